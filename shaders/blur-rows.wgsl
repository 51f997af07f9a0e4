// One 1-D Gaussian pass along W: an NCHW tensor is seen as `rows` = N*C*H rows of `width` values.
// Each thread computes a block of 4 rows x 8 consecutive columns, row0 .. row0+3 by j0 .. j0+7:
// it slides once along the 2r+8 input columns the block shares, loading that column of the 4
// rows, and feeds the 8 outputs of each row with the weights g[i], g[i-1], .., g[i-7] held in a
// shift register (so each weight is loaded once per thread and serves 32 outputs).
//
// weights: g[0 .. 2r] (tap k at g[k + r], normalized), then the cumulative sums
// cum[0 .. 2r+1] (cum[m] = g[0] + .. + g[m-1]), used only by the adjoint's border columns.
//
// adjoint 0: y[j] = sum_k g[k] x[clamp(j + k, 0, W-1)]              the forward, replicate border
// adjoint 1: the exact transpose of that, as a gather. Away from the border it is the same sum
//   with zeros outside (g is symmetric); column 0 also receives every tap that the forward clamped
//   to 0, and column W-1 every tap clamped to W-1: those columns are recomputed with summed weights.

struct Params { rows: u32, width: u32, rowBlocks: u32, octets: u32, radius: u32, adjoint: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

// Sum of the weights of the taps k in [k0, k1] (clipped to [-r, r]); 0 when the range is empty.
fn tapSum(k0: i32, k1: i32) -> f32 {
  let r = i32(params.radius);
  let cum = 2u * params.radius + 1u;
  let hi = clamp(k1 + r + 1, 0, 2 * r + 1);
  let lo = clamp(k0 + r, 0, 2 * r + 1);
  if (hi <= lo) { return 0.0; }
  return weights[cum + u32(hi)] - weights[cum + u32(lo)];
}

// The transpose at a border column j: dx[j] = sum_i dy[i] * (weights of the taps k with
// clamp(i + k) = j), i.e. of i + k in [lo, hi], a range left open at the borders.
fn adjointAtBorder(base: u32, j: i32) -> f32 {
  let r = i32(params.radius);
  let last = i32(params.width) - 1;
  let lo = select(j, -r - 1, j == 0);
  let hi = select(j, last + r + 1, j == last);
  var acc = 0.0;
  for (var i = max(j - r, 0); i <= min(j + r, last); i++) {
    acc += x[base + u32(i)] * tapSum(lo - i, hi - i);
  }
  return acc;
}

// Writes the 8 outputs lo, hi of `row` at columns j0 .. j0+7 (those inside the tensor), and for
// the adjoint recomputes the border columns the block holds.
fn store8(row: u32, j0: i32, lo: vec4f, hi: vec4f) {
  if (row >= params.rows) { return; }
  let base = row * params.width;
  let last = i32(params.width) - 1;
  for (var t = 0; t < 4; t++) {
    if (j0 + t <= last) { y[base + u32(j0 + t)] = lo[t]; }
    if (j0 + 4 + t <= last) { y[base + u32(j0 + 4 + t)] = hi[t]; }
  }
  if (params.adjoint == 1u) {
    if (j0 == 0) { y[base] = adjointAtBorder(base, 0); }
    if (last - j0 < 8) { y[base + u32(last)] = adjointAtBorder(base, last); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= params.rowBlocks * params.octets) { return; }
  let row0 = id / params.octets * 4u;
  let j0 = i32((id % params.octets) * 8u);
  let last = i32(params.width) - 1;
  let r = i32(params.radius);
  let adjoint = params.adjoint == 1u;
  // Rows past the end repeat the last one (their outputs are not stored).
  let lastRow = params.rows - 1u;
  let b0 = min(row0, lastRow) * params.width;
  let b1 = min(row0 + 1u, lastRow) * params.width;
  let b2 = min(row0 + 2u, lastRow) * params.width;
  let b3 = min(row0 + 3u, lastRow) * params.width;

  // Output (row k, column j0 + t) uses input column i - r + j0 with weight g[i - t]:
  // lo holds g[i - t] for t = 0..3, hi for t = 4..7.
  var lo = vec4f(0.0);
  var hi = vec4f(0.0);
  var a0 = vec4f(0.0); // row0, columns j0 .. j0+3
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var c0 = vec4f(0.0); // row0, columns j0+4 .. j0+7
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  for (var i = 0; i < 2 * r + 8; i++) {
    let p = j0 - r + i;
    let pc = u32(clamp(p, 0, last));
    let column = vec4f(x[b0 + pc], x[b1 + pc], x[b2 + pc], x[b3 + pc]);
    let v = select(vec4f(0.0), column, !adjoint || (p >= 0 && p <= last));
    hi = vec4f(lo.w, hi.xyz);
    lo = vec4f(select(0.0, weights[u32(min(i, 2 * r))], i <= 2 * r), lo.xyz);
    a0 += lo * v.x;
    c0 += hi * v.x;
    a1 += lo * v.y;
    c1 += hi * v.y;
    a2 += lo * v.z;
    c2 += hi * v.z;
    a3 += lo * v.w;
    c3 += hi * v.w;
  }
  store8(row0, j0, a0, c0);
  store8(row0 + 1u, j0, a1, c1);
  store8(row0 + 2u, j0, a2, c2);
  store8(row0 + 3u, j0, a3, c3);
}
