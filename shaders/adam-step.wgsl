// One Adam step in place (PyTorch semantics, L2 weight decay), 4 consecutive elements per thread:
//   g = grad + weightDecay * param
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   param -= stepSize * m / (sqrt(v) / sqrtBias2 + eps)
// with 1 - beta (rest1, rest2) and the bias corrections computed on the host in float64, as
// PyTorch does: stepSize = lr / (1 - beta1^step), sqrtBias2 = sqrt(1 - beta2^step).
// `base` skips to the window bound for this dispatch.

struct Params { n: u32, base: u32, beta1: f32, beta2: f32, rest1: f32, rest2: f32, eps: f32, weightDecay: f32, stepSize: f32, sqrtBias2: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var e = 0u; e < 4u; e++) {
    if (first + e >= params.n) { return; }
    let i = params.base + first + e;
    let p = param[i];
    let g = grad[i] + params.weightDecay * p;
    let m1 = params.beta1 * m[i] + params.rest1 * g;
    let v1 = params.beta2 * v[i] + params.rest2 * g * g;
    m[i] = m1;
    v[i] = v1;
    param[i] = p - params.stepSize * m1 / (sqrt(v1) / params.sqrtBias2 + params.eps);
  }
}
