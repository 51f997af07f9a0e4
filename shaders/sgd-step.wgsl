// One SGD step in place (PyTorch semantics), 4 consecutive elements per thread:
//   g = grad + weightDecay * param
//   velocity = momentum * velocity + g
//   param -= lr * (nesterov ? g + momentum * velocity : velocity)
// `base` skips to the window of the tensors bound for this dispatch (tensors too large to bind whole).

struct Params { n: u32, base: u32, lr: f32, momentum: f32, weightDecay: f32, nesterov: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var e = 0u; e < 4u; e++) {
    if (first + e >= params.n) { return; }
    let i = params.base + first + e;
    let p = param[i];
    let g = grad[i] + params.weightDecay * p;
    let v = params.momentum * velocity[i] + g;
    velocity[i] = v;
    param[i] = p - params.lr * select(v, g + params.momentum * v, params.nesterov == 1u);
  }
}
