// Gemm fast path for A' = a (row-major, m x k) and B' = b^T (b row-major, n x k: the transB
// layout of fully connected weights), with k a multiple of 4: both operands are read as vec4
// along k. Otherwise the same contract as gemm.wgsl (offsets and row strides in floats, all
// multiples of 4 here).
// Thread mapping: each thread computes a 4x4 tile of y (4 rows x 4 columns), tiles numbered
// row-major over y (column tiles fastest). Per 4 steps of k it loads 4 vec4 of a and 4 vec4 of
// b, and row i of the tile gains a_i * mat4x4(b_0..b_3), i.e. the 4 dot products a_i . b_j.

struct Params {
  m: u32, n: u32, k: u32,
  a_off: u32, a_sm: u32, // a row i starts at a_off + i * a_sm
  b_off: u32, b_sn: u32, // b row j starts at b_off + j * b_sn
  c_off: u32, c_sm: u32, c_sn: u32,
  y_off: u32, y_sm: u32,
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
  let at = params.y_off + i * params.y_sm + j;
  var r = params.alpha * acc;
  if (params.epilogue == 1u) {
    r += params.beta * c[params.c_off + i * params.c_sm + j * params.c_sn];
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
  // Row starts in vec4 units.
  let aRow = (min(row + quad, vec4u(params.m - 1u)) * params.a_sm + params.a_off) / 4u;
  let bRow = (min(col + quad, vec4u(params.n - 1u)) * params.b_sn + params.b_off) / 4u;

  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var p = 0u; p < params.k / 4u; p++) {
    let bt = mat4x4f(b[bRow.x + p], b[bRow.y + p], b[bRow.z + p], b[bRow.w + p]);
    acc0 += a[aRow.x + p] * bt;
    acc1 += a[aRow.y + p] * bt;
    acc2 += a[aRow.z + p] * bt;
    acc3 += a[aRow.w + p] * bt;
  }

  for (var j = 0u; j < 4u; j++) {
    store(row, col + j, acc0[j]);
    store(row + 1u, col + j, acc1[j]);
    store(row + 2u, col + j, acc2[j]);
    store(row + 3u, col + j, acc3[j]);
  }
}
