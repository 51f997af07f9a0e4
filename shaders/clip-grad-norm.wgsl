// The scaling step of gradient-norm clipping, in place, 4 consecutive elements per thread:
//   grad *= min(1, maxNorm / (sqrt(sumSquares[0]) + 1e-6))
// sumSquares[0] is the total over all gradients, reduced on the GPU just before, so the
// clipping needs no read-back. `base` skips to the window bound for this dispatch.

struct Params { n: u32, base: u32, maxNorm: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sumSquares: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  let coef = min(1.0, params.maxNorm / (sqrt(sumSquares[0]) + 1e-6));
  for (var e = 0u; e < 4u; e++) {
    if (first + e >= params.n) { return; }
    grad[params.base + first + e] *= coef;
  }
}
