// Gemm for one row of y at a time (m = 1: e.g. the input gradient of a fully connected layer
// for one image), in the layout of gemm-nn.wgsl: a row-major (m x k), b row-major (k x n), k and
// n multiples of 4. Every value of b is used once, so the cost is its loads: an 8x8 tile would
// load a's row 8 times over for nothing. Otherwise the contract of gemm.wgsl.
// Thread mapping: each thread computes 8 consecutive outputs y(row, col..col+7), numbered
// row-major over y; per 4 steps of k it loads one vec4 of a and 8 of b (two per k).

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

fn store(i: u32, j: u32, acc: f32) {
  if (j >= params.n) { return; }
  let at = params.yOff + i * params.ySm + j;
  var r = params.alpha * acc;
  if (params.epilogue == 1u) {
    r += params.beta * c[params.cOff + i * params.cSm + j * params.cSn];
  } else if (params.epilogue == 2u) {
    r += y[at];
  }
  y[at] = r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tilesN = (params.n + 7u) / 8u;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tilesN * params.m) { return; }
  let row = t / tilesN;
  let col = (t % tilesN) * 8u;
  let aRow = (row * params.aSm + params.aOff) / 4u;
  // The two column quads in b (vec4 units); the upper one clamped when n ends at col + 4.
  let bL = (params.bOff + col) / 4u;
  let bH = (params.bOff + min(col + 4u, params.n - 4u)) / 4u;
  let step = params.bSk / 4u;

  var accL = vec4f(0.0); // columns col..col+3
  var accH = vec4f(0.0); // columns col+4..col+7
  for (var p = 0u; p < params.k / 4u; p++) {
    let v = a[aRow + p];
    let r = 4u * p * step;
    accL += mat4x4f(b[bL + r], b[bL + r + step], b[bL + r + 2u * step], b[bL + r + 3u * step]) * v;
    accH += mat4x4f(b[bH + r], b[bH + r + step], b[bH + r + 2u * step], b[bH + r + 3u * step]) * v;
  }

  for (var q = 0u; q < 4u; q++) {
    store(row, col + q, accL[q]);
    store(row, col + 4u + q, accH[q]);
  }
}
