// dx[i] from dy[i] and the forward input x[i], in one of three modes (the DeconvNet family):
//   mode 0 'gradient':  dy * (x > 0)            the true gradient (forward mask)
//   mode 1 'deconvnet': max(dy, 0)              rectify the backward signal, ignore the forward mask
//   mode 2 'guided':    max(dy, 0) * (x > 0)    guided backpropagation: both
// Each thread handles 4 consecutive elements.

struct Params { n: u32, mode: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var k = 0u; k < 4u; k++) {
    let i = first + k;
    if (i < params.n) {
      let g = dy[i];
      let open = x[i] > 0.0;
      var r = 0.0;
      switch params.mode {
        case 0u: { r = select(0.0, g, open); }
        case 1u: { r = max(g, 0.0); }
        default: { r = select(0.0, max(g, 0.0), open); }
      }
      dx[i] = r;
    }
  }
}
