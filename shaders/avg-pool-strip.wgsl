// AveragePool (ONNX, NCHW), the common case: column dilation 1, column stride at most 3, output
// rows of at least 4 (src/ops/pool.ts sends the rest to avg-pool.wgsl). As in max-pool-strip.wgsl,
// each thread computes a strip of 4 adjacent outputs of one output row, which read each input
// column they share once: thread t -> plane p, output row oh, outputs ow0 + (0, 1, 2, 3), with
// ow0 = min(4 * segment, outW - 4) (a row's last strip overlaps the one before it instead of
// running past the row's end).
// A pass adds a block of BH x BW window taps (the overrides, the kernel's size capped at 3):
// kernel rows 3 * blockH + [0, BH), columns 3 * blockW + [0, BW), those inside the kernel and the
// input; larger windows take several passes, each adding to the previous passes' y (ACCUMULATE).
// Taps outside the input are zeroed once per loaded column and per row, not per tap; when no
// window reaches past the input's left or right edge (CLIPPED false), the columns need neither
// that nor clamping, and every window has kW columns.
// The divisor is the window's taps inside the input, or with includePad its taps inside the
// padded input [-padT, inH + padB) x [-padL, inW + padR) (a ceilMode window hanging past the end
// padding counts less).

struct Params {
  planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, padT: i32, padL: i32, padB: i32, padR: i32, dH: i32,
  includePad: u32, blockH: i32, blockW: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;
override BH: i32 = 3; // tap rows per pass
override BW: i32 = 3; // tap columns per pass
override SW: i32 = 2; // the column stride: it fixes which of the strip's columns each output takes
override ACCUMULATE: bool = false; // a pass after the first
override CLIPPED: bool = true; // some window has columns outside the input
// The strip's columns in a pass: output j takes columns j * SW + [0, BW).
override SPAN: i32 = 3 * SW + BW;

// The strip's columns, clamped to the input, and whether each is inside it (the same for every row).
var<private> cols: array<i32, 12>;
var<private> inside: array<bool, 12>;

fn setColumn(m: i32, w: i32) {
  if (CLIPPED) {
    cols[m] = clamp(w, 0, params.inW - 1);
    inside[m] = w >= 0 && w < params.inW;
  } else {
    cols[m] = w;
    inside[m] = true;
  }
}

// The sum of the pass's taps on one input row (starting at flat index `row`), for the 4 outputs.
fn rowSum(row: i32) -> vec4<f32> {
  var v: array<f32, 12>;
  v[0] = select(0.0, x[row + cols[0]], inside[0]);
  v[1] = select(0.0, x[row + cols[1]], inside[1]);
  v[2] = select(0.0, x[row + cols[2]], inside[2]);
  v[3] = select(0.0, x[row + cols[3]], inside[3]);
  if (SPAN > 4) { v[4] = select(0.0, x[row + cols[4]], inside[4]); }
  if (SPAN > 5) { v[5] = select(0.0, x[row + cols[5]], inside[5]); }
  if (SPAN > 6) { v[6] = select(0.0, x[row + cols[6]], inside[6]); }
  if (SPAN > 7) { v[7] = select(0.0, x[row + cols[7]], inside[7]); }
  if (SPAN > 8) { v[8] = select(0.0, x[row + cols[8]], inside[8]); }
  if (SPAN > 9) { v[9] = select(0.0, x[row + cols[9]], inside[9]); }
  if (SPAN > 10) { v[10] = select(0.0, x[row + cols[10]], inside[10]); }
  if (SPAN > 11) { v[11] = select(0.0, x[row + cols[11]], inside[11]); }
  // Tap kw of output j is column j * SW + kw; taps past the kernel's last column add nothing.
  let kwLeft = params.kW - 3 * params.blockW;
  var sum = vec4(v[0], v[SW], v[2 * SW], v[3 * SW]);
  if (BW > 1) { sum += select(vec4(0.0), vec4(v[1], v[SW + 1], v[2 * SW + 1], v[3 * SW + 1]), kwLeft > 1); }
  if (BW > 2) { sum += select(vec4(0.0), vec4(v[2], v[SW + 2], v[2 * SW + 2], v[3 * SW + 2]), kwLeft > 2); }
  return sum;
}

// How many of the taps start + k * step (0 <= k < taps) lie in [lo, hi). The quotients are of
// small integers, exact in f32 (and a float division is far cheaper than an integer one on a CPU).
fn tapCount(start: i32, taps: i32, step: i32, lo: i32, hi: i32) -> f32 {
  let first = max(0.0, ceil(f32(lo - start) / f32(step)));
  let last = min(f32(taps - 1), floor(f32(hi - 1 - start) / f32(step)));
  return max(0.0, last - first + 1.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.outH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * outH + oh
  let oh = row % params.outH;
  let plane = row / params.outH;
  let ow0 = min(4 * segment, params.outW - 4);

  let top = oh * params.sH - params.padT; // where the windows start
  let left = ow0 * SW - params.padL;
  let w0 = left + 3 * params.blockW; // where this pass's block starts
  setColumn(0, w0);
  setColumn(1, w0 + 1);
  setColumn(2, w0 + 2);
  setColumn(3, w0 + 3);
  if (SPAN > 4) { setColumn(4, w0 + 4); }
  if (SPAN > 5) { setColumn(5, w0 + 5); }
  if (SPAN > 6) { setColumn(6, w0 + 6); }
  if (SPAN > 7) { setColumn(7, w0 + 7); }
  if (SPAN > 8) { setColumn(8, w0 + 8); }
  if (SPAN > 9) { setColumn(9, w0 + 9); }
  if (SPAN > 10) { setColumn(10, w0 + 10); }
  if (SPAN > 11) { setColumn(11, w0 + 11); }

  // The pass's rows: a row outside the input or past the kernel's last row adds nothing.
  let h0 = top + 3 * params.blockH * params.dH;
  let h1 = h0 + params.dH;
  let h2 = h1 + params.dH;
  let khLeft = params.kH - 3 * params.blockH;
  let planeRow = plane * params.inH;
  var sum = select(vec4(0.0), rowSum((planeRow + clamp(h0, 0, params.inH - 1)) * params.inW), h0 >= 0 && h0 < params.inH);
  if (BH > 1) { sum += select(vec4(0.0), rowSum((planeRow + clamp(h1, 0, params.inH - 1)) * params.inW), h1 >= 0 && h1 < params.inH && khLeft > 1); }
  if (BH > 2) { sum += select(vec4(0.0), rowSum((planeRow + clamp(h2, 0, params.inH - 1)) * params.inW), h2 >= 0 && h2 < params.inH && khLeft > 2); }

  // The divisor of each window: the product of its tap counts along the two axes.
  let pad = params.includePad != 0u;
  let countH = tapCount(top, params.kH, params.dH, select(0, -params.padT, pad), params.inH + select(0, params.padB, pad));
  // Columns are not dilated: a window's columns inside [lo, hi) are an interval.
  var countW = vec4(f32(params.kW));
  if (CLIPPED) {
    let start = left + SW * vec4(0, 1, 2, 3);
    countW = vec4<f32>(min(start + params.kW, vec4(params.inW + select(0, params.padR, pad))) - max(start, vec4(select(0, -params.padL, pad))));
  }
  var mean = sum / (countH * countW);

  let o = row * params.outW + ow0;
  if (ACCUMULATE) {
    // A row's last strip leaves the outputs it shares with the strip before it to that strip:
    // adding twice would count the pass twice.
    mean += vec4(y[o], y[o + 1], y[o + 2], y[o + 3]);
    let own = ow0 + vec4(0, 1, 2, 3) >= vec4(4 * segment);
    if (own.x) { y[o] = mean.x; }
    if (own.y) { y[o + 1] = mean.y; }
    if (own.z) { y[o + 2] = mean.z; }
    if (own.w) { y[o + 3] = mean.w; }
  } else {
    y[o] = mean.x; y[o + 1] = mean.y; y[o + 2] = mean.z; y[o + 3] = mean.w;
  }
}
