// MaxPool with indices (ONNX, NCHW), the common case: no dilation, strides of at most 3, output
// rows of at least 4 (src/ops/pool.ts sends the rest to max-pool.wgsl). Each thread computes two
// strips of 4 adjacent outputs, on output rows oh and oh + 1, which read each input row and column
// they share once (for 3x3/2 windows, 5 rows of 9 columns instead of 6 rows of 12):
// thread t -> plane p, output rows oh = 2 * pair + (0, 1), outputs ow0 + (0, 1, 2, 3) (the vec4
// lanes), where ow0 = min(4 * segment, outW - 4): a row's last strip overlaps the one before it
// instead of running past the row's end, and an odd last row is computed twice (both write the
// same values there).
// A pass visits a block of BH x BW window taps (the overrides, 1 to 3: the kernel's size capped at
// 3), kernel rows khStart + [0, BH) and columns kwStart + [0, BW), a block inside the kernel;
// larger windows take several passes, each merging into the previous passes' y and switches (MERGE).
// On a CPU driver (SwiftShader) every instruction runs, masked or not, so the kernel has no loop,
// no branch and no mask: a tap in the padding is replaced by the nearest input row and column,
// which (the window being contiguous) is a tap of the same window. It repeats a value of the window
// at an index no larger (before the input) or no smaller (after it), so the scan in row-major
// order, which replaces the maximum only when strictly greater, still ends at the maximum with the
// smallest flat index: the first in row-major order, as in the reference. Passes merge by value,
// then by the smaller index. switches holds the flat NCHW index in the whole x tensor
// (planeOffset: which plane of it this dispatch's plane 0 is, when large tensors go in chunks).

struct Params {
  planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, pairs: i32, segments: i32,
  padT: i32, padL: i32, khStart: i32, kwStart: i32, planeOffset: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> switches: array<i32>;

override WG: u32 = 64;
override BH: i32 = 3; // tap rows per pass
override BW: i32 = 3; // tap columns per pass
// The strides: they fix which of the loaded rows and columns each output takes.
override SH: i32 = 2;
override SW: i32 = 2;
override MERGE: bool = false; // a pass after the first
// The input rows and columns of a pass: output row a takes rows a * SH + [0, BH), output j of a
// strip columns j * SW + [0, BW).
override ROWS: i32 = SH + BH;
override SPAN: i32 = 3 * SW + BW;

struct Best { value: vec4<f32>, index: vec4<i32> }

// The strips' columns, clamped to the input (the same for every row).
var<private> cols: array<i32, 12>;

// The strips' columns on one input row: values and flat indices.
struct Row { v: array<f32, 12>, i: array<i32, 12> }

fn loadRow(row: i32) -> Row {
  var r: Row;
  r.i[0] = row + cols[0]; r.v[0] = x[r.i[0]];
  r.i[1] = row + cols[1]; r.v[1] = x[r.i[1]];
  r.i[2] = row + cols[2]; r.v[2] = x[r.i[2]];
  r.i[3] = row + cols[3]; r.v[3] = x[r.i[3]];
  if (SPAN > 4) { r.i[4] = row + cols[4]; r.v[4] = x[r.i[4]]; }
  if (SPAN > 5) { r.i[5] = row + cols[5]; r.v[5] = x[r.i[5]]; }
  if (SPAN > 6) { r.i[6] = row + cols[6]; r.v[6] = x[r.i[6]]; }
  if (SPAN > 7) { r.i[7] = row + cols[7]; r.v[7] = x[r.i[7]]; }
  if (SPAN > 8) { r.i[8] = row + cols[8]; r.v[8] = x[r.i[8]]; }
  if (SPAN > 9) { r.i[9] = row + cols[9]; r.v[9] = x[r.i[9]]; }
  if (SPAN > 10) { r.i[10] = row + cols[10]; r.v[10] = x[r.i[10]]; }
  if (SPAN > 11) { r.i[11] = row + cols[11]; r.v[11] = x[r.i[11]]; }
  return r;
}

// Tap kw of the 4 outputs of a strip: columns j * SW + kw.
fn tap(r: Row, kw: i32) -> Best {
  return Best(vec4(r.v[kw], r.v[SW + kw], r.v[2 * SW + kw], r.v[3 * SW + kw]), vec4(r.i[kw], r.i[SW + kw], r.i[2 * SW + kw], r.i[3 * SW + kw]));
}

// Replaces each lane's maximum with the tap where strictly greater.
fn take(best: Best, t: Best) -> Best {
  let win = t.value > best.value;
  return Best(select(best.value, t.value, win), select(best.index, t.index, win));
}

// The pass's taps on one input row, in order.
fn visit(best: Best, r: Row) -> Best {
  var b = take(best, tap(r, 0));
  if (BW > 1) { b = take(b, tap(r, 1)); }
  if (BW > 2) { b = take(b, tap(r, 2)); }
  return b;
}

// The pass's taps on the rows r0, r1, r2 of a strip, in order; the first tap starts the maxima.
fn scan(r0: Row, r1: Row, r2: Row) -> Best {
  var b = visit(tap(r0, 0), r0);
  if (BH > 1) { b = visit(b, r1); }
  if (BH > 2) { b = visit(b, r2); }
  return b;
}

// Merges a pass into the earlier passes' maxima at outputs o .. o + 3, and stores it.
fn store(best: Best, o: i32) {
  var b = best;
  let offset = params.planeOffset * params.inH * params.inW;
  if (MERGE) {
    let value = vec4(y[o], y[o + 1], y[o + 2], y[o + 3]);
    let index = vec4(switches[o], switches[o + 1], switches[o + 2], switches[o + 3]) - offset;
    let keep = (value > b.value) | ((value == b.value) & (index < b.index));
    b = Best(select(b.value, value, keep), select(b.index, index, keep));
  }
  let global = b.index + offset;
  y[o] = b.value.x; y[o + 1] = b.value.y; y[o + 2] = b.value.z; y[o + 3] = b.value.w;
  switches[o] = global.x; switches[o + 1] = global.y; switches[o + 2] = global.z; switches[o + 3] = global.w;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.pairs * params.segments) { return; }
  let segment = t % params.segments;
  let planePair = t / params.segments; // plane * pairs + pair
  let pair = planePair % params.pairs;
  let plane = planePair / params.pairs;
  let oh = min(2 * pair, params.outH - 2); // an odd last row: the pair before it, overlapped
  let ow0 = min(4 * segment, params.outW - 4);

  let w0 = ow0 * SW - params.padL + params.kwStart;
  let lastW = params.inW - 1;
  cols[0] = clamp(w0, 0, lastW);
  cols[1] = clamp(w0 + 1, 0, lastW);
  cols[2] = clamp(w0 + 2, 0, lastW);
  cols[3] = clamp(w0 + 3, 0, lastW);
  if (SPAN > 4) { cols[4] = clamp(w0 + 4, 0, lastW); }
  if (SPAN > 5) { cols[5] = clamp(w0 + 5, 0, lastW); }
  if (SPAN > 6) { cols[6] = clamp(w0 + 6, 0, lastW); }
  if (SPAN > 7) { cols[7] = clamp(w0 + 7, 0, lastW); }
  if (SPAN > 8) { cols[8] = clamp(w0 + 8, 0, lastW); }
  if (SPAN > 9) { cols[9] = clamp(w0 + 9, 0, lastW); }
  if (SPAN > 10) { cols[10] = clamp(w0 + 10, 0, lastW); }
  if (SPAN > 11) { cols[11] = clamp(w0 + 11, 0, lastW); }

  // The pass's input rows h0 + r, clamped, shared by the two output rows.
  let h0 = oh * SH - params.padT + params.khStart;
  let lastH = params.inH - 1;
  let planeRow = plane * params.inH;
  var rows: array<Row, 6>;
  rows[0] = loadRow((planeRow + clamp(h0, 0, lastH)) * params.inW);
  rows[1] = loadRow((planeRow + clamp(h0 + 1, 0, lastH)) * params.inW);
  if (ROWS > 2) { rows[2] = loadRow((planeRow + clamp(h0 + 2, 0, lastH)) * params.inW); }
  if (ROWS > 3) { rows[3] = loadRow((planeRow + clamp(h0 + 3, 0, lastH)) * params.inW); }
  if (ROWS > 4) { rows[4] = loadRow((planeRow + clamp(h0 + 4, 0, lastH)) * params.inW); }
  if (ROWS > 5) { rows[5] = loadRow((planeRow + clamp(h0 + 5, 0, lastH)) * params.inW); }

  let o = (plane * params.outH + oh) * params.outW + ow0;
  store(scan(rows[0], rows[1], rows[2]), o);
  store(scan(rows[SH], rows[SH + 1], rows[SH + 2]), o + params.outW);
}
