// Batch normalization's statistics, second stage: per channel c, the mean and the (biased)
// variance over the batch, combined from the N maps' (mean, M2) of batch-norm-partials.wgsl
// (Chan et al.'s pairwise rule, all maps of equal size HW):
//   mean = average of the maps' means
//   M2   = sum of the maps' M2 + HW * sum of (map mean - mean)^2,   variance = M2 / (N * HW)
// Optionally folds them into running averages (PyTorch's convention: running = (1 - momentum) *
// running + momentum * batch, with the unbiased variance), which inference uses instead.
// One thread per channel.

struct Params {
  N: u32, C: u32, HW: u32,
  momentum: f32,       // 0: leave the running statistics alone
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partials: array<vec2<f32>>;  // [N, C] of (mean, M2)
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> variance: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVariance: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x * WG + lid;
  if (c >= p.C) { return; }
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) { sum += partials[n * p.C + c].x; }
  let m = sum / f32(p.N);
  var m2 = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let part = partials[n * p.C + c];
    let d = part.x - m;
    m2 += part.y + f32(p.HW) * d * d;
  }
  let count = f32(p.N * p.HW);
  let v = m2 / count;
  mean[c] = m;
  variance[c] = v;
  if (p.momentum > 0.0) {
    let unbiased = m2 / max(count - 1.0, 1.0);
    runningMean[c] = mix(runningMean[c], m, p.momentum);
    runningVariance[c] = mix(runningVariance[c], unbiased, p.momentum);
  }
}
