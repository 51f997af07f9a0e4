// Batch normalization's backward, second stage: per channel c, the gradients of the shift and
// the scale, from the maps' sums of batch-norm-backward-partials.wgsl:
//   dshift[c] = sum of dy        dscale[c] = sum of dy * xhat = r * sum of dy * (x - mean)
// with r = 1 / sqrt(variance + epsilon). One thread per channel.

struct Params { N: u32, C: u32, epsilon: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partials: array<vec2<f32>>;  // [N, C]
@group(0) @binding(2) var<storage, read> variance: array<f32>;
@group(0) @binding(3) var<storage, read_write> dscale: array<f32>;
@group(0) @binding(4) var<storage, read_write> dshift: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x * WG + lid;
  if (c >= p.C) { return; }
  var sums = vec2<f32>(0.0);
  for (var n = 0u; n < p.N; n++) { sums += partials[n * p.C + c]; }
  dshift[c] = sums.x;
  dscale[c] = sums.y * inverseSqrt(variance[c] + p.epsilon);
}
