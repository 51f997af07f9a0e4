// The squared distance to a target and its gradient (Network Inversion's reconstruction term):
//   value = weight * sum (x - goal)^2        grad = 2 weight (x - goal)
// in one pass. Thread t takes elements t, t + T, t + 2T, ... (T = `threads`, at most a few
// thousand, so that energy-sum.wgsl has few partials to add) and writes weight * its sum of
// squares to partials[t]. The grid stride keeps neighbouring threads on neighbouring elements.

struct Params { n: u32, threads: u32, weight: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> goal: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= params.threads) { return; }
  let twice = 2.0 * params.weight;
  var total = 0.0;
  for (var i = id; i < params.n; i += params.threads) {
    let d = x[i] - goal[i];
    grad[i] = twice * d;
    total += d * d;
  }
  partials[id] = params.weight * total;
}
