// Batch normalization's statistics: per channel c of x [N, C, HW], the mean and the (biased)
// variance over the N * HW values of the batch, two passes (the mean, then the squared deviations
// from it, which stays exact where E[x^2] - E[x]^2 would cancel). Optionally folds them into running
// averages (PyTorch's convention: running = (1 - momentum) * running + momentum * batch, with the
// unbiased variance), which inference uses in place of the batch's.
// Threads: one workgroup per channel; its WG threads stride over the channel's values and combine
// their partial sums in workgroup memory.

struct Params {
  N: u32, C: u32, HW: u32,
  momentum: f32,       // 0: leave the running statistics alone
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> variance: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVariance: array<f32>;

override WG: u32 = 64;
var<workgroup> partial: array<f32, WG>;

/** The sum of every thread's value, in every thread. */
fn workgroupSum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier(); // before anyone writes partial again
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let count = f32(p.N * p.HW);
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let base = (n * p.C + c) * p.HW;
    for (var i = lid; i < p.HW; i += WG) { sum += x[base + i]; }
  }
  let m = workgroupSum(lid, sum) / count;
  var squares = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let base = (n * p.C + c) * p.HW;
    for (var i = lid; i < p.HW; i += WG) {
      let d = x[base + i] - m;
      squares += d * d;
    }
  }
  let v = workgroupSum(lid, squares) / count;
  if (lid == 0u) {
    mean[c] = m;
    variance[c] = v;
    if (p.momentum > 0.0) {
      let unbiased = v * count / max(count - 1.0, 1.0);
      runningMean[c] = mix(runningMean[c], m, p.momentum);
      runningVariance[c] = mix(runningVariance[c], unbiased, p.momentum);
    }
  }
}
