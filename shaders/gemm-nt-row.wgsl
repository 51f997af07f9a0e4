// Gemm for one row of y at a time (m = 1: a single image through a fully connected layer), in
// the layout of gemm-nt.wgsl: a row-major (m x k), b row-major (n x k), k a multiple of 4.
// Every value of b is used once, so the cost is its loads: an 8x8 tile would load a's row 8
// times over for nothing. Otherwise the contract of gemm.wgsl.
// Thread mapping: each thread computes 8 consecutive outputs y(row, col..col+7), numbered
// row-major over y; per 4 steps of k it loads one vec4 of a and 8 of b.

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
  let bLo = rowStarts(col, params.n, params.bSn, params.bOff);
  let bHi = rowStarts(col + 4u, params.n, params.bSn, params.bOff);

  var accL = vec4f(0.0); // columns col..col+3
  var accH = vec4f(0.0); // columns col+4..col+7
  for (var p = 0u; p < params.k / 4u; p++) {
    let v = a[aRow + p];
    accL += v * mat4x4f(b[bLo.x + p], b[bLo.y + p], b[bLo.z + p], b[bLo.w + p]);
    accH += v * mat4x4f(b[bHi.x + p], b[bHi.y + p], b[bHi.z + p], b[bHi.w + p]);
  }

  for (var q = 0u; q < 4u; q++) {
    store(row, col + q, accL[q]);
    store(row, col + 4u + q, accH[q]);
  }
}
