// out[0] = the sum of `count` per-thread partial sums (from total-variation.wgsl, alpha-norm.wgsl),
// in one workgroup: each thread adds a strided subset, then a tree in workgroup memory.

struct Params { count: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 256;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var total = 0.0;
  for (var i = lid; i < params.count; i += WG) { total += partials[i]; }
  sums[lid] = total;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { sums[lid] += sums[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = sums[0]; }
}
