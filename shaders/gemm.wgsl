// Gemm, any layout: y = alpha * A'B' + (beta * c | y) over one piece of a possibly split product.
// A' (m x k) and B' (k x n) are read through strides, so this one kernel serves every
// transA/transB combination and any alignment; gemm-nt(-row) and gemm-nn(-row) are the vec4
// fast paths.
// Thread mapping: each thread computes a 4x4 tile of y (4 rows x 4 columns). Tiles are numbered
// row-major over y (column tiles fastest) by the linear invocation index. Rows and columns past
// the edge are clamped when loading (so the inner loop has no branches) and skipped when storing.
// Epilogue: 0 y = alpha * acc; 1 y = alpha * acc + beta * c (broadcast via strides);
// 2 y = alpha * acc + y (a later piece of a product split along k).

struct Params {
  m: u32, n: u32, k: u32,
  aOff: u32, aSm: u32, aSk: u32, // A'(i, p) = a[aOff + i * aSm + p * aSk]
  bOff: u32, bSk: u32, bSn: u32, // B'(p, j) = b[bOff + p * bSk + j * bSn]
  cOff: u32, cSm: u32, cSn: u32, // c(i, j)  = c[cOff + i * cSm + j * cSn] (strides 0 broadcast)
  yOff: u32, ySm: u32,           // y(i, j)  = y[yOff + i * ySm + j]
  alpha: f32, beta: f32,
  epilogue: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tilesN = (params.n + 3u) / 4u;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tilesN * ((params.m + 3u) / 4u)) { return; }
  let row = (t / tilesN) * 4u;
  let col = (t % tilesN) * 4u;
  let quad = vec4u(0u, 1u, 2u, 3u);
  let aRow = min(row + quad, vec4u(params.m - 1u)) * params.aSm + params.aOff;
  let bCol = min(col + quad, vec4u(params.n - 1u)) * params.bSn + params.bOff;

  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var p = 0u; p < params.k; p++) {
    let ak = p * params.aSk;
    let bk = p * params.bSk;
    let bv = vec4f(b[bCol.x + bk], b[bCol.y + bk], b[bCol.z + bk], b[bCol.w + bk]);
    acc0 += a[aRow.x + ak] * bv;
    acc1 += a[aRow.y + ak] * bv;
    acc2 += a[aRow.z + ak] * bv;
    acc3 += a[aRow.w + ak] * bv;
  }

  for (var j = 0u; j < 4u; j++) {
    store(row, col + j, acc0[j]);
    store(row + 1u, col + j, acc1[j]);
    store(row + 2u, col + j, acc2[j]);
    store(row + 3u, col + j, acc3[j]);
  }
}
