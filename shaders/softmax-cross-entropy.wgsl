// Fused softmax and cross-entropy: probs = softmax(logits) per row of logits [n, k], and
// loss = mean over rows of -log probs[row, label[row]] = mean(log(sum(exp(x - max))) - (x[label] - max)),
// computed from the log-sum-exp so that it never takes the log of an underflowed probability.
// A label outside [0, k) makes the loss `bad` (NaN, passed in: a NaN constant does not compile).
// Thread mapping: ONE workgroup (WG a power of two). Thread t handles rows t, t + WG, ...; the per-thread sums of the
// row losses are then added in workgroup memory (a tree), and thread 0 writes the mean.

struct Params { n: u32, k: u32, bad: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;

override WG: u32 = 64;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let k = params.k;
  var total = 0.0;
  var invalid = false;
  for (var row = lid; row < params.n; row += WG) {
    let first = row * k;
    var top = logits[first];
    for (var j = 1u; j < k; j++) { top = max(top, logits[first + j]); }
    var sum = 0.0;
    for (var j = 0u; j < k; j++) { sum += exp(logits[first + j] - top); }
    let scale = 1.0 / sum;
    for (var j = 0u; j < k; j++) { probs[first + j] = exp(logits[first + j] - top) * scale; }
    let label = labels[row];
    if (label < 0 || u32(label) >= k) {
      invalid = true;
    } else {
      total += log(sum) - (logits[first + u32(label)] - top);
    }
  }
  partial[lid] = select(total, params.bad, invalid);
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { loss[0] = partial[0] / f32(params.n); }
}
