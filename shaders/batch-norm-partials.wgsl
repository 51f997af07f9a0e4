// Batch normalization's statistics, first stage: the mean and the sum of squared deviations from
// it (M2) of each map x[n, c] of x [N, C, HW], for batch-norm-statistics.wgsl to combine per
// channel. Two passes over the map (its own mean first), which stays exact where the textbook
// E[x^2] - E[x]^2 would cancel. One thread per map and no workgroup barriers: on a CPU driver
// (SwiftShader) barriers cost more than they save at these sizes.

struct Params { maps: u32, HW: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec2<f32>>;  // (mean, M2) per map

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let map = (wid.x + wid.y * nwg.x) * WG + lid;
  if (map >= p.maps) { return; }
  let base = map * p.HW;
  // Four running sums per pass (independent chains), then the tail.
  let body = p.HW & ~3u;
  var s = vec4<f32>(0.0);
  for (var i = 0u; i < body; i += 4u) {
    s += vec4<f32>(x[base + i], x[base + i + 1u], x[base + i + 2u], x[base + i + 3u]);
  }
  var sum = s.x + s.y + s.z + s.w;
  for (var i = body; i < p.HW; i++) { sum += x[base + i]; }
  let m = sum / f32(p.HW);
  var q = vec4<f32>(0.0);
  for (var i = 0u; i < body; i += 4u) {
    let d = vec4<f32>(x[base + i], x[base + i + 1u], x[base + i + 2u], x[base + i + 3u]) - m;
    q += d * d;
  }
  var m2 = q.x + q.y + q.z + q.w;
  for (var i = body; i < p.HW; i++) {
    let d = x[base + i] - m;
    m2 += d * d;
  }
  partials[map] = vec2<f32>(m, m2);
}
