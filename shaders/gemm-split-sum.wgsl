// The end of a Gemm split along k across workgroups (gemm-tiled.wgsl): adds up the slices'
// partial products (alpha already applied) and applies the epilogue:
// 0 y = sum; 1 y = sum + beta * c (broadcast via strides); 2 y = sum + y (a later piece of a
// product split along k for the binding limit).
// Threads: one per element of the m x n piece, row-major.

struct Params {
  m: u32, n: u32,
  slices: u32,                   // partial products, m * n elements each, one after another
  cOff: u32, cSm: u32, cSn: u32, // c(i, j) = c[cOff + i * cSm + j * cSn] (strides 0 broadcast)
  yOff: u32, ySm: u32,           // y(i, j) = y[yOff + i * ySm + j]
  beta: f32,
  epilogue: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * WG + lid;
  let size = params.m * params.n;
  if (e >= size) { return; }
  let i = e / params.n;
  let j = e % params.n;
  var sum = 0.0;
  for (var s = 0u; s < params.slices; s++) {
    sum += partial[s * size + e];
  }
  let at = params.yOff + i * params.ySm + j;
  if (params.epilogue == 1u) {
    sum += params.beta * c[params.cOff + i * params.cSm + j * params.cSn];
  } else if (params.epilogue == 2u) {
    sum += y[at];
  }
  y[at] = sum;
}
