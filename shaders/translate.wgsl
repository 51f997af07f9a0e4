// y[h, w] = x[h - dy, w - dx] on each of the `planes` = N*C planes of an NCHW tensor, bilinear
// between the 4 nearest pixels when the shift is fractional. The host splits each shift into an
// integer part and a fraction: output row h reads source rows h + shiftRow and h + shiftRow + 1
// with weights 1 - fracRow and fracRow (shiftRow = floor(-dy), fracRow = -dy - shiftRow), and
// likewise for columns. For the 'wrap' border the host reduces the integer parts modulo the size,
// so one subtraction wraps; for 'zero' a source outside the plane reads as 0.
// Each thread computes a block of 4 rows x 8 columns: it walks down the 5 source rows the block
// needs (4 for an integer row shift), interpolating 9 source columns of each into 8 values.
// The adjoint of a translation is the translation by the opposite shift (same border), so the
// backward pass runs this same kernel.

struct Params {
  planes: u32, height: u32, width: u32, rowBlocks: u32, octets: u32,
  shiftRow: i32, shiftCol: i32, fracRow: f32, fracCol: f32, wrap: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

struct Eight { lo: vec4f, hi: vec4f }

// A source index along an axis of length len: wrapped into range, or -1 (reads as 0) for 'zero'.
fn source(i: i32, len: i32) -> i32 {
  if (params.wrap == 1u) { return select(i, i - len, i >= len); }
  return select(-1, i, i >= 0 && i < len);
}

fn sourceCols(first: i32) -> vec4i {
  let w = i32(params.width);
  return vec4i(source(first, w), source(first + 1, w), source(first + 2, w), source(first + 3, w));
}

// x at source column c of the row starting at rowBase, 0 where the row or the column is -1.
fn at(rowBase: u32, rowValid: bool, c: i32) -> f32 {
  return select(0.0, x[rowBase + u32(max(c, 0))], rowValid && c >= 0);
}

// Source row `row` interpolated between the columns cLo, cHi, c8 (9 in all) into 8 values.
fn sampleRow(planeBase: u32, row: i32, cLo: vec4i, cHi: vec4i, c8: i32) -> Eight {
  let valid = row >= 0;
  let rowBase = planeBase + u32(max(row, 0)) * params.width;
  let lo = vec4f(at(rowBase, valid, cLo.x), at(rowBase, valid, cLo.y), at(rowBase, valid, cLo.z), at(rowBase, valid, cLo.w));
  let hi = vec4f(at(rowBase, valid, cHi.x), at(rowBase, valid, cHi.y), at(rowBase, valid, cHi.z), at(rowBase, valid, cHi.w));
  let last = at(rowBase, valid, c8);
  let fc = params.fracCol;
  return Eight(mix(lo, vec4f(lo.yzw, hi.x), fc), mix(hi, vec4f(hi.yzw, last), fc));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  let blocksPerPlane = params.rowBlocks * params.octets;
  if (id >= params.planes * blocksPerPlane) { return; }
  let plane = id / blocksPerPlane;
  let h0 = (id % blocksPerPlane) / params.octets * 4u;
  let j0 = (id % params.octets) * 8u;
  let height = i32(params.height);
  let planeBase = plane * params.height * params.width;
  let first = i32(j0) + params.shiftCol;
  let cLo = sourceCols(first);
  let cHi = sourceCols(first + 4);
  let c8 = source(first + 8, i32(params.width));
  let fractional = params.fracRow != 0.0;

  var top = sampleRow(planeBase, source(i32(h0) + params.shiftRow, height), cLo, cHi, c8);
  for (var k = 0u; k < 4u; k++) {
    let h = h0 + k;
    if (h >= params.height) { break; }
    var out = top;
    if (fractional || k < 3u) {
      let below = sampleRow(planeBase, source(i32(h) + 1 + params.shiftRow, height), cLo, cHi, c8);
      if (fractional) { out = Eight(mix(top.lo, below.lo, params.fracRow), mix(top.hi, below.hi, params.fracRow)); }
      top = below;
    }
    let outBase = planeBase + h * params.width + j0;
    for (var t = 0u; t < 4u; t++) {
      if (j0 + t < params.width) { y[outBase + t] = out.lo[t]; }
      if (j0 + 4u + t < params.width) { y[outBase + 4u + t] = out.hi[t]; }
    }
  }
}
