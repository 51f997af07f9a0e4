// The squared distance to a target and its gradient (Network Inversion's reconstruction term):
//   value = weight * sum (x - goal)^2        grad = 2 weight (x - goal)
// in one pass, a vec4 at a time. Thread t takes vec4s t, t + T, t + 2T, ... (T = `threads`, at
// most a few thousand, so that energy-sum.wgsl has few partials to add) and writes weight * its
// sum of squares to partials[t]. When n is not a multiple of 4, the last vec4 runs into the room
// the engine leaves after a tensor (Engine.bufferResource): its gradient is written there, read by
// no one, and its squares past n are left out of the sum.

struct Params { n: u32, vec4s: u32, threads: u32, weight: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> goal: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> grad: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= params.threads) { return; }
  let twice = 2.0 * params.weight;
  var total = 0.0;
  for (var i = id; i < params.vec4s; i += params.threads) {
    let d = x[i] - goal[i];
    grad[i] = twice * d;
    let counted = vec4u(4u * i) + vec4u(0u, 1u, 2u, 3u) < vec4u(params.n);
    total += dot(select(vec4f(0.0), d * d, counted), vec4f(1.0));
  }
  partials[id] = params.weight * total;
}
