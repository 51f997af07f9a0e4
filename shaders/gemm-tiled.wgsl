// Gemm for GPUs, any layout: y = alpha * A'B' + (beta * c | y) over one piece of a possibly split
// product, with A' (m x k) and B' (k x n) read through strides like gemm.wgsl (the kernels without
// workgroup memory are the ones for CPU drivers).
// Threads: a 16 x 16 workgroup per 64 x 64 tile of y. The sum goes 16 values of k at a time: the
// workgroup stages the 64 x 16 slice of A' and the 16 x 64 slice of B' in workgroup memory, four
// values per thread each, and each thread adds the products for its 4 rows x 4 columns of y
// (rows ty + 16i, columns tx + 16j: neighbouring threads touch neighbouring columns, so stores
// coalesce and workgroup memory has no bank conflicts).
// Epilogue: 0 y = alpha * acc; 1 y = alpha * acc + beta * c (broadcast via strides);
// 2 y = alpha * acc + y (a later piece of a product split along k).
// Split along k across workgroups (a product of few tiles but a long sum, e.g. a fully connected
// layer at batch 1): workgroup z sums k values [z * kSlice, (z + 1) * kSlice) into its own
// partial product at y + z * ySlice, with epilogue 0; gemm-split-sum.wgsl adds the partials up.

struct Params {
  m: u32, n: u32, k: u32,
  aOff: u32, aSm: u32, aSk: u32, // A'(i, p) = a[aOff + i * aSm + p * aSk]
  bOff: u32, bSk: u32, bSn: u32, // B'(p, j) = b[bOff + p * bSk + j * bSn]
  cOff: u32, cSm: u32, cSn: u32, // c(i, j)  = c[cOff + i * cSm + j * cSn] (strides 0 broadcast)
  yOff: u32, ySm: u32,           // y(i, j)  = y[yOff + i * ySm + j]
  alpha: f32, beta: f32,
  epilogue: u32,
  kSlice: u32,                   // k values per slice (k when not split)
  ySlice: u32,                   // elements between the slices' partial products (0 when not split)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const TILE = 64u;   // rows and columns of y per workgroup
const DEPTH = 16u;  // values of k staged at a time

var<workgroup> aTile: array<array<f32, TILE>, DEPTH>;   // [k][row]
var<workgroup> bTile: array<array<f32, TILE>, DEPTH>;   // [k][column]

fn store(i: u32, j: u32, slice: u32, acc: f32) {
  if (i >= params.m || j >= params.n) { return; }
  let at = params.yOff + slice * params.ySlice + i * params.ySm + j;
  var r = params.alpha * acc;
  if (params.epilogue == 1u) {
    r += params.beta * c[params.cOff + i * params.cSm + j * params.cSn];
  } else if (params.epilogue == 2u) {
    r += y[at];
  }
  y[at] = r;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tx = local.x;
  let ty = local.y;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let slice = wid.z;
  let kBegin = slice * params.kSlice;
  let kEnd = min(params.k, kBegin + params.kSlice);
  // Staging order: along k first where the operand is contiguous along k, so loads coalesce.
  let aAlongK = params.aSk == 1u;
  let bAlongK = params.bSk == 1u;

  var acc: array<vec4<f32>, 4>; // acc[i][j]: row ty + 16i, column tx + 16j
  for (var k0 = kBegin; k0 < kEnd; k0 += DEPTH) {
    for (var r = 0u; r < 4u; r++) {
      let e = r * 256u + lid;
      let i = select(e % TILE, e / DEPTH, aAlongK);
      let kk = select(e / TILE, e % DEPTH, aAlongK);
      var v = 0.0;
      if (row0 + i < params.m && k0 + kk < kEnd) {
        v = a[params.aOff + (row0 + i) * params.aSm + (k0 + kk) * params.aSk];
      }
      aTile[kk][i] = v;
    }
    for (var r = 0u; r < 4u; r++) {
      let e = r * 256u + lid;
      let j = select(e % TILE, e / DEPTH, bAlongK);
      let kk = select(e / TILE, e % DEPTH, bAlongK);
      var v = 0.0;
      if (col0 + j < params.n && k0 + kk < kEnd) {
        v = b[params.bOff + (k0 + kk) * params.bSk + (col0 + j) * params.bSn];
      }
      bTile[kk][j] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk++) {
      let bv = vec4<f32>(bTile[kk][tx], bTile[kk][tx + 16u], bTile[kk][tx + 32u], bTile[kk][tx + 48u]);
      acc[0] += aTile[kk][ty] * bv;
      acc[1] += aTile[kk][ty + 16u] * bv;
      acc[2] += aTile[kk][ty + 32u] * bv;
      acc[3] += aTile[kk][ty + 48u] * bv;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      store(row0 + ty + 16u * i, col0 + tx + 16u * j, slice, acc[i][j]);
    }
  }
}
