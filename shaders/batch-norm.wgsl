// Batch normalization applied (ONNX BatchNormalization), x and y [N, C, HW]:
//   y = (x - mean[c]) / sqrt(variance[c] + epsilon) * scale[c] + shift[c]
// with the batch's statistics while training and the running ones at inference.
// Threads: one per 4 consecutive elements. When HW is a multiple of 4 (ALIGNED) the 4 share a
// channel, worked out once; otherwise each works out its own.

struct Params { C: u32, HW: u32, total: u32, epsilon: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> scale: array<f32>;
@group(0) @binding(5) var<storage, read> shift: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;
override ALIGNED: bool = false;

fn normalize(i: u32, c: u32) {
  let a = inverseSqrt(variance[c] + p.epsilon) * scale[c];
  y[i] = (x[i] - mean[c]) * a + shift[c];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  if (first >= p.total) { return; }
  if (ALIGNED) {
    let c = (first / p.HW) % p.C;
    let a = inverseSqrt(variance[c] + p.epsilon) * scale[c];
    let b = shift[c] - mean[c] * a;
    y[first] = x[first] * a + b;
    y[first + 1u] = x[first + 1u] * a + b;
    y[first + 2u] = x[first + 2u] * a + b;
    y[first + 3u] = x[first + 3u] * a + b;
  } else {
    for (var i = first; i < min(first + 4u, p.total); i++) { normalize(i, (i / p.HW) % p.C); }
  }
}
