// Gemm fast path for A' = a (row-major, m x k) and B' = b (row-major, k x n), k and n multiples
// of 4: a is read as vec4 along k and b as vec4 along n. Otherwise the contract of gemm.wgsl
// (offsets and row strides in floats, multiples of 4 here).
// Thread mapping: each thread computes an 8x8 tile of y (rows row..row+7, columns col..col+7),
// tiles numbered row-major over y (column tiles fastest). Per 4 steps of k it loads 8 vec4 of a
// (one per row) and 8 of b (two per k), 1 load per 4 multiply-adds: on a CPU driver every load
// is a per-lane gather, so the tile is as large as the registers allow. Rows and columns past
// the edge are clamped when loading and skipped when storing.

struct Params {
  m: u32, n: u32, k: u32,
  aOff: u32, aSm: u32, // a row i starts at aOff + i * aSm
  bOff: u32, bSk: u32, // b row p starts at bOff + p * bSk
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
  // The tile's two column quads in b (vec4 units); the upper one clamped when n ends at col + 4.
  let bL = (params.bOff + col) / 4u;
  let bH = (params.bOff + min(col + 4u, params.n - 4u)) / 4u;
  let step = params.bSk / 4u;

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
    // Column q of kL holds b row 4p + q at columns col..col+3, so kL * v = sum_q v[q] * b row.
    let r = 4u * p * step;
    let kL = mat4x4f(b[bL + r], b[bL + r + step], b[bL + r + 2u * step], b[bL + r + 3u * step]);
    let kH = mat4x4f(b[bH + r], b[bH + r + step], b[bH + r + 2u * step], b[bH + r + 3u * step]);
    var v = a[aLo.x + p]; acc0L += kL * v; acc0H += kH * v;
    v = a[aLo.y + p]; acc1L += kL * v; acc1H += kH * v;
    v = a[aLo.z + p]; acc2L += kL * v; acc2H += kH * v;
    v = a[aLo.w + p]; acc3L += kL * v; acc3H += kH * v;
    v = a[aHi.x + p]; acc4L += kL * v; acc4H += kH * v;
    v = a[aHi.y + p]; acc5L += kL * v; acc5H += kH * v;
    v = a[aHi.z + p]; acc6L += kL * v; acc6H += kH * v;
    v = a[aHi.w + p]; acc7L += kL * v; acc7H += kH * v;
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
