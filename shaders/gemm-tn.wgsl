// Gemm fast path for A' = a^T (a row-major, k x m) and B' = b (row-major, k x n), m and n
// multiples of 4: the layout of a weight gradient, dW = dy^T x, where k is the batch. Both are
// read as vec4 along their rows, so k needs no alignment. Otherwise the contract of gemm.wgsl
// (offsets and row strides in floats, multiples of 4 here).
// Thread mapping: each thread computes an 8x8 tile of y (rows row..row+7, columns col..col+7),
// tiles numbered row-major over y (column tiles fastest). Per step of k it loads 2 vec4 of a
// and 2 of b and adds their outer product: 1 load per 4 multiply-adds. The upper quads of rows
// and columns are clamped when m or n ends halfway through the tile (loaded, never stored).

struct Params {
  m: u32, n: u32, k: u32,
  aOff: u32, aSk: u32, // a row p starts at aOff + p * aSk
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
  // The tile's quads within a row of a and of b (vec4 units).
  let aL = (params.aOff + row) / 4u;
  let aH = (params.aOff + min(row + 4u, params.m - 4u)) / 4u;
  let bL = (params.bOff + col) / 4u;
  let bH = (params.bOff + min(col + 4u, params.n - 4u)) / 4u;
  let aStep = params.aSk / 4u;
  let bStep = params.bSk / 4u;

  // accIL: row i of the tile, columns 0..3; accIH: columns 4..7.
  var acc0L = vec4f(0.0); var acc0H = vec4f(0.0);
  var acc1L = vec4f(0.0); var acc1H = vec4f(0.0);
  var acc2L = vec4f(0.0); var acc2H = vec4f(0.0);
  var acc3L = vec4f(0.0); var acc3H = vec4f(0.0);
  var acc4L = vec4f(0.0); var acc4H = vec4f(0.0);
  var acc5L = vec4f(0.0); var acc5H = vec4f(0.0);
  var acc6L = vec4f(0.0); var acc6H = vec4f(0.0);
  var acc7L = vec4f(0.0); var acc7H = vec4f(0.0);
  for (var p = 0u; p < params.k; p++) {
    let lo = a[aL + p * aStep]; // A'(row..row+3, p)
    let hi = a[aH + p * aStep]; // A'(row+4..row+7, p)
    let u = b[bL + p * bStep];  // B'(p, col..col+3)
    let v = b[bH + p * bStep];  // B'(p, col+4..col+7)
    acc0L += lo.x * u; acc0H += lo.x * v;
    acc1L += lo.y * u; acc1H += lo.y * v;
    acc2L += lo.z * u; acc2H += lo.z * v;
    acc3L += lo.w * u; acc3H += lo.w * v;
    acc4L += hi.x * u; acc4H += hi.x * v;
    acc5L += hi.y * u; acc5H += hi.y * v;
    acc6L += hi.z * u; acc6H += hi.z * v;
    acc7L += hi.w * u; acc7H += hi.w * v;
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
