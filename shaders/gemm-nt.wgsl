// Gemm fast path for A' = a (row-major, m x k) and B' = b^T (b row-major, n x k: the transB
// layout of fully connected weights), k a multiple of 4: both are read as vec4 along k.
// Otherwise the contract of gemm.wgsl (offsets and row strides in floats, multiples of 4 here).
// Thread mapping: each thread computes an 8x8 tile of y (rows row..row+7, columns col..col+7),
// tiles numbered row-major over y (column tiles fastest). Per 4 steps of k it loads 8 vec4 of a
// and 8 of b, 1 load per 4 multiply-adds: on a CPU driver every load is a per-lane gather, so
// the tile is as large as the registers allow. Rows and columns past the edge are clamped when
// loading and skipped when storing.

struct Params {
  m: u32, n: u32, k: u32,
  aOff: u32, aSm: u32, // a row i starts at aOff + i * aSm
  bOff: u32, bSn: u32, // b row j starts at bOff + j * bSn
  cOff: u32, cSm: u32, cSn: u32,
  yOff: u32, ySm: u32,
  alpha: f32, beta: f32,
  epilogue: u32, // 0 alpha * acc, 1 + beta * c, 2 + y
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

/** Where rows first..first+3 (clamped to count) start, in vec4 units. */
fn rowStarts(first: u32, count: u32, stride: u32, offset: u32) -> vec4u {
  return (min(first + vec4u(0u, 1u, 2u, 3u), vec4u(count - 1u)) * stride + offset) / 4u;
}

fn store(i: u32, j: u32, acc: f32) {
  if (i >= params.m || j >= params.n) { return; }
  let at = params.yOff + i * params.ySm + j;
  var r = params.alpha * acc;
  if (params.epilogue == 1u) {
    r += params.beta * c[params.cOff + i * params.cSm + j * params.cSn];
  } else if (params.epilogue == 2u) {
    r += y[at];
  }
  y[at] = r;
}

/** Stores y(i, j..j+3) = v and y(i, j+4..j+7) = w. */
fn storeRow(i: u32, j: u32, v: vec4f, w: vec4f) {
  for (var q = 0u; q < 4u; q++) {
    store(i, j + q, v[q]);
    store(i, j + 4u + q, w[q]);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tilesN = (params.n + 7u) / 8u;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tilesN * ((params.m + 7u) / 8u)) { return; }
  let row = (t / tilesN) * 8u;
  let col = (t % tilesN) * 8u;
  let aLo = rowStarts(row, params.m, params.aSm, params.aOff);
  let aHi = rowStarts(row + 4u, params.m, params.aSm, params.aOff);
  let bLo = rowStarts(col, params.n, params.bSn, params.bOff);
  let bHi = rowStarts(col + 4u, params.n, params.bSn, params.bOff);

  // accIL: row i of the tile, columns 0..3; accIH: columns 4..7.
  var acc0L = vec4f(0.0); var acc0H = vec4f(0.0);
  var acc1L = vec4f(0.0); var acc1H = vec4f(0.0);
  var acc2L = vec4f(0.0); var acc2H = vec4f(0.0);
  var acc3L = vec4f(0.0); var acc3H = vec4f(0.0);
  var acc4L = vec4f(0.0); var acc4H = vec4f(0.0);
  var acc5L = vec4f(0.0); var acc5H = vec4f(0.0);
  var acc6L = vec4f(0.0); var acc6H = vec4f(0.0);
  var acc7L = vec4f(0.0); var acc7H = vec4f(0.0);
  for (var p = 0u; p < params.k / 4u; p++) {
    // Column j of bL holds b row col + j at k = 4p..4p+3, so v * bL = the 4 dot products.
    let bL = mat4x4f(b[bLo.x + p], b[bLo.y + p], b[bLo.z + p], b[bLo.w + p]);
    let bH = mat4x4f(b[bHi.x + p], b[bHi.y + p], b[bHi.z + p], b[bHi.w + p]);
    var v = a[aLo.x + p]; acc0L += v * bL; acc0H += v * bH;
    v = a[aLo.y + p]; acc1L += v * bL; acc1H += v * bH;
    v = a[aLo.z + p]; acc2L += v * bL; acc2H += v * bH;
    v = a[aLo.w + p]; acc3L += v * bL; acc3H += v * bH;
    v = a[aHi.x + p]; acc4L += v * bL; acc4H += v * bH;
    v = a[aHi.y + p]; acc5L += v * bL; acc5H += v * bH;
    v = a[aHi.z + p]; acc6L += v * bL; acc6H += v * bH;
    v = a[aHi.w + p]; acc7L += v * bL; acc7H += v * bH;
  }

  storeRow(row, col, acc0L, acc0H);
  storeRow(row + 1u, col, acc1L, acc1H);
  storeRow(row + 2u, col, acc2L, acc2H);
  storeRow(row + 3u, col, acc3L, acc3H);
  storeRow(row + 4u, col, acc4L, acc4H);
  storeRow(row + 5u, col, acc5L, acc5H);
  storeRow(row + 6u, col, acc6L, acc6H);
  storeRow(row + 7u, col, acc7L, acc7H);
}
