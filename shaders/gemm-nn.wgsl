// Gemm fast path for A' = a (row-major, m x k) and B' = b (row-major, k x n), with k and n
// multiples of 4: a is read as vec4 along k and b as vec4 along n. Otherwise the same contract
// as gemm.wgsl (offsets and row strides in floats, all multiples of 4 here).
// Thread mapping: each thread computes a 4x4 tile of y (4 rows x 4 columns), tiles numbered
// row-major over y (column tiles fastest). Per 4 steps of k it loads 4 vec4 of a (one per row)
// and 4 vec4 of b (one per k), and row i of the tile gains mat4x4(b_0..b_3) * a_i, i.e.
// sum over q of a_i[q] * b_q.

struct Params {
  m: u32, n: u32, k: u32,
  a_off: u32, a_sm: u32, // a row i starts at a_off + i * a_sm
  b_off: u32, b_sk: u32, // b row p starts at b_off + p * b_sk
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
  let tilesN = params.n / 4u;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tilesN * ((params.m + 3u) / 4u)) { return; }
  let row = (t / tilesN) * 4u;
  let col = (t % tilesN) * 4u;
  let quad = vec4u(0u, 1u, 2u, 3u);
  // In vec4 units: the starts of the tile's 4 rows of a, and the tile's column block in b.
  let aRow = (min(row + quad, vec4u(params.m - 1u)) * params.a_sm + params.a_off) / 4u;
  let bCol = (params.b_off + col) / 4u;
  let bStep = params.b_sk / 4u;

  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var p = 0u; p < params.k / 4u; p++) {
    let at = bCol + 4u * p * bStep;
    let bk = mat4x4f(b[at], b[at + bStep], b[at + 2u * bStep], b[at + 3u * bStep]);
    acc0 += bk * a[aRow.x + p];
    acc1 += bk * a[aRow.y + p];
    acc2 += bk * a[aRow.z + p];
    acc3 += bk * a[aRow.w + p];
  }

  for (var j = 0u; j < 4u; j++) {
    store(row, col + j, acc0[j]);
    store(row + 1u, col + j, acc1[j]);
    store(row + 2u, col + j, acc2[j]);
    store(row + 3u, col + j, acc3[j]);
  }
}
