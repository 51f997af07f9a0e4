// dx[i] from dy[i] and the forward input x[i] for the piecewise-linear activations. `mode`:
//   0 relu 'gradient':  dy * (x > 0)            the true gradient (forward mask)
//   1 relu 'deconvnet': max(dy, 0)              rectify the backward signal, ignore the forward mask
//   2 relu 'guided':    max(dy, 0) * (x > 0)    guided backpropagation: both
//   3 leaky relu:       dy * (x > 0 ? 1 : a)
//   4 clamp:            dy * (a < x < b)
// Each thread handles 4 consecutive elements.

struct Params { n: u32, mode: u32, a: f32, b: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256;

fn rule(v: f32, g: f32) -> f32 {
  let open = v > 0.0;
  switch params.mode {
    case 0u: { return select(0.0, g, open); }
    case 1u: { return max(g, 0.0); }
    case 2u: { return select(0.0, max(g, 0.0), open); }
    case 3u: { return select(params.a * g, g, open); }
    default: { return select(0.0, g, v > params.a && v < params.b); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var k = 0u; k < 4u; k++) {
    let i = first + k;
    if (i < params.n) { dx[i] = rule(x[i], dy[i]); }
  }
}
