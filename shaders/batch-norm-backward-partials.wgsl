// Batch normalization's backward, first stage: per map x[n, c] of [N, C, HW], the sums of dy and
// of dy * (x - mean[c]) over the map, for batch-norm-backward-sums.wgsl to add up per channel.
// One thread per map, no workgroup barriers (see batch-norm-partials.wgsl).

struct Params { C: u32, maps: u32, HW: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<vec2<f32>>;  // (sum dy, sum dy * (x - mean))

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let map = (wid.x + wid.y * nwg.x) * WG + lid;
  if (map >= p.maps) { return; }
  let base = map * p.HW;
  let m = mean[map % p.C];
  let body = p.HW & ~3u;
  var g = vec4<f32>(0.0);
  var gx = vec4<f32>(0.0);
  for (var i = 0u; i < body; i += 4u) {
    let at = base + i;
    let d = vec4<f32>(dy[at], dy[at + 1u], dy[at + 2u], dy[at + 3u]);
    g += d;
    gx += d * (vec4<f32>(x[at], x[at + 1u], x[at + 2u], x[at + 3u]) - m);
  }
  var sums = vec2<f32>(g.x + g.y + g.z + g.w, gx.x + gx.y + gx.z + gx.w);
  for (var i = body; i < p.HW; i++) { sums += vec2<f32>(dy[base + i], dy[base + i] * (x[base + i] - m)); }
  partials[map] = sums;
}
