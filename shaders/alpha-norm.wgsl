// The alpha norm R = sum |x|^alpha and its gradient alpha |x|^(alpha-1) sign(x) (0 at x = 0).
// Each thread handles 8 consecutive elements and writes their sum of |x|^alpha to partials[thread]
// (energy-sum.wgsl adds the partials). No workgroup reduction here: on a CPU driver such as
// SwiftShader a workgroup barrier costs far more than the extra partials.

struct Params { n: u32, threads: u32, alpha: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

override WG: u32 = 64;
const PER_THREAD = 8u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= params.threads) { return; }
  let first = id * PER_THREAD;
  var total = 0.0;
  for (var i = first; i < min(first + PER_THREAD, params.n); i++) {
    let v = x[i];
    let a = abs(v);
    // |x|^(alpha-1), taken as 0 at x = 0 (pow is undefined there, and singular for alpha < 1).
    let p = select(0.0, pow(max(a, 1e-30), params.alpha - 1.0), a > 0.0);
    grad[i] = params.alpha * p * sign(v);
    total += p * a;
  }
  partials[id] = total;
}
