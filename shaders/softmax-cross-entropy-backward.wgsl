// dlogits for loss = mean over rows of cross-entropy(softmax(logits), labels), from the forward's
// probs [n, k]: dlogits = (probs - onehot(labels)) / n. A row whose label is outside [0, k) is `bad` (NaN, passed in).
// Thread mapping: one thread per element, 4 consecutive elements per thread.

struct Params { n: u32, k: u32, bad: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  let scale = 1.0 / f32(params.n);
  for (var q = 0u; q < 4u; q++) {
    let i = first + q;
    if (i >= params.n * params.k) { return; }
    let label = labels[i / params.k];
    let column = i32(i % params.k);
    let valid = label >= 0 && label < i32(params.k);
    let g = (probs[i] - select(0.0, 1.0, column == label)) * scale;
    dlogits[i] = select(params.bad, g, valid);
  }
}
