// y = softmax(x) along one axis, with x viewed as [outer, axis, inner] (inner is the stride of the
// axis), from element `offset` of the bound ranges on (a tensor too large to bind whole is done
// in windows of whole rows of outer). Numerically stable: the row's maximum is subtracted before exponentiating.
// Thread mapping: one thread per row (one (outer, inner) pair), which walks the axis three times:
// the maximum, the sum of exponentials, then the normalized outputs.

struct Params { outer: u32, axis: u32, inner: u32, offset: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * WG + lid;
  if (row >= params.outer * params.inner) { return; }
  let stride = params.inner;
  let first = params.offset + (row / stride) * params.axis * stride + row % stride;
  let last = first + params.axis * stride;

  var top = x[first];
  for (var i = first + stride; i < last; i += stride) { top = max(top, x[i]); }
  var sum = 0.0;
  for (var i = first; i < last; i += stride) { sum += exp(x[i] - top); }
  let scale = 1.0 / sum;
  for (var i = first; i < last; i += stride) { y[i] = exp(x[i] - top) * scale; }
}
