// dx for y = softmax(x) along one axis, from y and dy: dx = y * (dy - sum(dy * y)) along the axis.
// The tensors are viewed as [outer, axis, inner] (inner is the stride of the axis), from element
// `offset` of the bound ranges on.
// Thread mapping: one thread per row (one (outer, inner) pair): the dot product, then the outputs.

struct Params { outer: u32, axis: u32, inner: u32, offset: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * WG + lid;
  if (row >= params.outer * params.inner) { return; }
  let stride = params.inner;
  let first = params.offset + (row / stride) * params.axis * stride + row % stride;
  let last = first + params.axis * stride;

  var dot = 0.0;
  for (var i = first; i < last; i += stride) { dot += dy[i] * y[i]; }
  for (var i = first; i < last; i += stride) { dx[i] = y[i] * (dy[i] - dot); }
}
