// Batch normalization applied (ONNX BatchNormalization), x and y [N, C, HW]:
//   y = (x - mean[c]) / sqrt(variance[c] + epsilon) * scale[c] + shift[c]
// with the batch's statistics while training and the running ones at inference.
// Threads: one per element; each works out its channel from its index.

struct Params { C: u32, HW: u32, total: u32, epsilon: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> scale: array<f32>;
@group(0) @binding(5) var<storage, read> shift: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.total) { return; }
  let c = (i / p.HW) % p.C;
  y[i] = (x[i] - mean[c]) * inverseSqrt(variance[c] + p.epsilon) * scale[c] + shift[c];
}
