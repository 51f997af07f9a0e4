// Batch normalization's backward, x and dy [N, C, HW], for y = xhat * scale + shift with
// xhat = (x - mean) * r, r = 1 / sqrt(variance + epsilon):
//   dshift[c] = sum of dy          dscale[c] = sum of dy * xhat         (over n and the map)
//   dx = scale * r * dy                                          (fixed, running statistics)
//   dx = scale * r * (dy - dshift / M - xhat * dscale / M)       (the batch's own statistics,
//        which depend on every x of the channel; M = N * HW values)
// Threads: one workgroup per channel: the two sums, combined in workgroup memory, then dx.

struct Params {
  N: u32, C: u32, HW: u32,
  epsilon: f32,
  batchStatistics: u32,  // 1: mean and variance are this batch's
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> variance: array<f32>;
@group(0) @binding(5) var<storage, read> scale: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dscale: array<f32>;
@group(0) @binding(8) var<storage, read_write> dshift: array<f32>;

override WG: u32 = 64;
var<workgroup> partial: array<vec2<f32>, WG>;

/** The sums of every thread's pair of values, in every thread. */
fn workgroupSum(lid: u32, v: vec2<f32>) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  return partial[0];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let m = mean[c];
  let r = inverseSqrt(variance[c] + p.epsilon);
  var sums = vec2<f32>(0.0);  // (dy, dy * (x - mean))
  for (var n = 0u; n < p.N; n++) {
    let base = (n * p.C + c) * p.HW;
    for (var i = lid; i < p.HW; i += WG) {
      let g = dy[base + i];
      sums += vec2<f32>(g, g * (x[base + i] - m));
    }
  }
  let total = workgroupSum(lid, sums);
  let dShift = total.x;
  let dScale = total.y * r;
  if (lid == 0u) {
    dshift[c] = dShift;
    dscale[c] = dScale;
  }
  let k = scale[c] * r;
  let count = f32(p.N * p.HW);
  let useBatch = p.batchStatistics != 0u;
  let meanDy = select(0.0, dShift / count, useBatch);
  let perXhat = select(0.0, dScale / count, useBatch);
  for (var n = 0u; n < p.N; n++) {
    let base = (n * p.C + c) * p.HW;
    for (var i = lid; i < p.HW; i += WG) {
      let xhat = (x[base + i] - m) * r;
      dx[base + i] = k * (dy[base + i] - meanDy - xhat * perXhat);
    }
  }
}
