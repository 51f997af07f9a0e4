// Transposed 2-D convolution, NCHW (ONNX ConvTranspose; also Conv's input gradient), as a gather:
//   y[n, m, oy, ox] = bias[m] + sum of x[n, c, iy, ix] * w[c, m, ky, kx]
//   over c in m's group and the taps with oy = iy * strideH - padTop + ky * dilationH (likewise ox).
// Tap ky reaches output row oy only when oy + padTop - ky * dilationH is a multiple of strideH, so
// the output pixels are split into strideH x strideW residue classes (oy mod strideH, ox mod
// strideW): all pixels of a class take the same taps, every tapStep-th one from the first that
// fits (tapStep = stride / gcd(stride, dilation)), and no thread visits a tap that adds nothing.
// Threads: one per (image, group, block of 16 output channels, class, tile of 16 pixels of the
// class, consecutive in its flattened map). As in conv2d.wgsl, a thread keeps 16 x 16 sums in
// registers (one mat4x4 per pixel), loops once over a flat list of entries (tap, input channel)
// unrolled by 4, and reads weights packed by conv2d-pack-weights.wgsl: w[g][block][tap][c][16].

struct Params {
  C: u32, H: u32, W: u32,        // input channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // output channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative when an explicit output shape is larger than the natural one
  dilationH: u32, dilationW: u32,
  tapStepH: u32, tapStepW: u32,  // stride / gcd(stride, dilation): the step between the taps of a class
  shiftStepH: u32, shiftStepW: u32, // tapStep * dilation / stride: how far the input moves per such step
  groups: u32,
  groupC: u32,                   // input (reduction) channels per group
  groupM: u32,                   // output channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  classH: u32, classW: u32,      // size of a residue class's map: ceil(Ho / strideH) x ceil(Wo / strideW)
  tiles: u32,                    // 16-pixel tiles per class: ceil(classH * classW / 16)
  threads: u32,                  // images * groups * blocks * strideH * strideW * tiles
  hasBias: u32,
  xSkip: u32, ySkip: u32,        // elements before the first image in the bound ranges of x and y
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override WG: u32 = 16;

alias Tile = array<mat4x4<f32>, 16>;
/** One i32 per pixel of the tile, 4 at a time. */
alias Quad = array<vec4<i32>, 4>;

/** The tile's pixels as (a, b) in their class's map: output pixel (ry + a * strideH, rx + b * strideW). */
struct Pixels { a: Quad, b: Quad }

/** The taps of one axis that reach a class: first, how many, and the input shift at the first. */
struct Taps { first: u32, count: u32, shift: i32 }

/** An entry of the sum: input channel c at the jy-th and jx-th taps of the class. */
struct Entry { c: u32, jy: u32, jx: u32 }

/** The taps of one axis reaching residue r: tap k fits when r + pad - k * dilation is a multiple of stride. */
fn classTaps(r: u32, pad: i32, k: u32, stride: u32, dilation: u32, tapStep: u32) -> Taps {
  var first = k;
  for (var t = 0u; t < min(k, tapStep); t++) {
    if ((i32(r) + pad - i32(t * dilation)) % i32(stride) == 0) {
      first = t;
      break;
    }
  }
  if (first >= k) { return Taps(0u, 0u, 0); }
  return Taps(first, (k - 1u - first) / tapStep + 1u, (i32(r) + pad - i32(first * dilation)) / i32(stride));
}

/** The entry after e: channel fastest, then the column tap, then the row tap. */
fn next(e: Entry, columnTaps: u32) -> Entry {
  let wrapC = e.c + 1u == p.groupC;
  let jx = select(e.jx, e.jx + 1u, wrapC);
  let wrapX = jx == columnTaps;
  return Entry(select(e.c + 1u, 0u, wrapC), select(e.jy, e.jy + 1u, wrapX), select(jx, 0u, wrapX));
}

/** The 16 packed weights of one (tap, channel) as a matrix: column j = channels 4j..4j+3. */
fn weights(i: u32) -> mat4x4<f32> {
  return mat4x4<f32>(w[i], w[i + 1u], w[i + 2u], w[i + 3u]);
}

/** x at offset o of a channel plane starting at `plane`; o < 0 is outside the input. */
fn input(plane: u32, o: i32) -> f32 {
  return select(0.0, x[plane + u32(max(o, 0))], o >= 0);
}

/** Offsets within a plane of input positions (iy, ix), -1 where they fall outside the input. */
fn offsets(iy: vec4<i32>, ix: vec4<i32>) -> vec4<i32> {
  let inside = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(i32(p.H))) & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(p.W)));
  return select(vec4<i32>(-1), iy * i32(p.W) + ix, inside);
}

/** acc[q] += W * (input of pixel q), where `o` holds the pixels' offsets in the channel's plane. */
fn accumulate(acc: ptr<function, Tile>, W: mat4x4<f32>, plane: u32, o: Quad) {
  (*acc)[0] += W * input(plane, o[0].x);
  (*acc)[1] += W * input(plane, o[0].y);
  (*acc)[2] += W * input(plane, o[0].z);
  (*acc)[3] += W * input(plane, o[0].w);
  (*acc)[4] += W * input(plane, o[1].x);
  (*acc)[5] += W * input(plane, o[1].y);
  (*acc)[6] += W * input(plane, o[1].z);
  (*acc)[7] += W * input(plane, o[1].w);
  (*acc)[8] += W * input(plane, o[2].x);
  (*acc)[9] += W * input(plane, o[2].y);
  (*acc)[10] += W * input(plane, o[2].z);
  (*acc)[11] += W * input(plane, o[2].w);
  (*acc)[12] += W * input(plane, o[3].x);
  (*acc)[13] += W * input(plane, o[3].y);
  (*acc)[14] += W * input(plane, o[3].z);
  (*acc)[15] += W * input(plane, o[3].w);
}

/** Adds one entry: the weights of its tap and channel times the tile's 16 input values. */
fn step(acc: ptr<function, Tile>, e: Entry, rows: Taps, cols: Taps, wBlock: u32, xGroup: u32, px: Pixels) {
  let ky = rows.first + e.jy * p.tapStepH;
  let kx = cols.first + e.jx * p.tapStepW;
  // Input pixel = class position + the tap's shift, which falls by shiftStep per step of taps.
  let dy = vec4<i32>(rows.shift - i32(e.jy * p.shiftStepH));
  let dx = vec4<i32>(cols.shift - i32(e.jx * p.shiftStepW));
  let o = Quad(
    offsets(px.a[0] + dy, px.b[0] + dx),
    offsets(px.a[1] + dy, px.b[1] + dx),
    offsets(px.a[2] + dy, px.b[2] + dx),
    offsets(px.a[3] + dy, px.b[3] + dx));
  let wi = (wBlock + (ky * p.kW + kx) * p.groupC + e.c) * 4u;
  accumulate(acc, weights(wi), xGroup + e.c * p.H * p.W, o);
}

/** Writes channels m..m+3 of one output pixel (those in the group), plus the bias. */
fn storeColumn(at: u32, m: u32, gm: u32, v: vec4<f32>) {
  let plane = p.Ho * p.Wo;
  for (var k = 0u; k < 4u; k++) {
    if (m + k < p.groupM) {
      let b = select(0.0, bias[min(gm + m + k, p.M - 1u)], p.hasBias != 0u);
      y[at + (m + k) * plane] = v[k] + b;
    }
  }
}

/** Writes one output pixel's 16 channels; `o` is its offset in the map, -1 for none. */
fn store(yBase: u32, o: i32, m0: u32, gm: u32, a: mat4x4<f32>) {
  if (o < 0) { return; }
  let at = yBase + u32(o);
  storeColumn(at, m0, gm, a[0]);
  storeColumn(at, m0 + 4u, gm, a[1]);
  storeColumn(at, m0 + 8u, gm, a[2]);
  storeColumn(at, m0 + 12u, gm, a[3]);
}

/** Indices first..first+3 in the class's map, clamped to it (the extra ones repeat the last, unstored). */
fn quad(first: u32) -> vec4<u32> {
  return min(vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.classH * p.classW - 1u));
}

/** Offsets in the output map of class pixels first..first+3, -1 past the class's map or the output. */
fn outputOffsets(first: u32, ry: u32, rx: u32) -> vec4<i32> {
  let idx = vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u);
  let oy = ry + (idx / p.classW) * p.strideH;
  let ox = rx + (idx % p.classW) * p.strideW;
  let real = (idx < vec4<u32>(p.classH * p.classW)) & (oy < vec4<u32>(p.Ho)) & (ox < vec4<u32>(p.Wo));
  return select(vec4<i32>(-1), vec4<i32>(oy * p.Wo + ox), real);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.threads) { return; }
  let tile = t % p.tiles;
  var r = t / p.tiles;
  let classes = p.strideH * p.strideW;
  let cls = r % classes;
  r /= classes;
  let outBlock = r % p.blocks;
  r /= p.blocks;
  let g = r % p.groups;
  let n = r / p.groups;
  let ry = cls / p.strideW;
  let rx = cls % p.strideW;

  let idx0 = tile * 16u;
  let q = array<vec4<u32>, 4>(quad(idx0), quad(idx0 + 4u), quad(idx0 + 8u), quad(idx0 + 12u));
  let px = Pixels(
    Quad(vec4<i32>(q[0] / p.classW), vec4<i32>(q[1] / p.classW), vec4<i32>(q[2] / p.classW), vec4<i32>(q[3] / p.classW)),
    Quad(vec4<i32>(q[0] % p.classW), vec4<i32>(q[1] % p.classW), vec4<i32>(q[2] % p.classW), vec4<i32>(q[3] % p.classW)));

  let rows = classTaps(ry, p.padTop, p.kH, p.strideH, p.dilationH, p.tapStepH);
  let cols = classTaps(rx, p.padLeft, p.kW, p.strideW, p.dilationW, p.tapStepW);
  let xGroup = p.xSkip + (n * p.C + g * p.groupC) * p.H * p.W;
  let wBlock = (g * p.blocks + outBlock) * p.kH * p.kW * p.groupC;
  let entries = rows.count * cols.count * p.groupC;
  var acc: Tile;
  var e = Entry(0u, 0u, 0u);
  var k = 0u;
  for (; k + 4u <= entries; k += 4u) {
    step(&acc, e, rows, cols, wBlock, xGroup, px);
    e = next(e, cols.count);
    step(&acc, e, rows, cols, wBlock, xGroup, px);
    e = next(e, cols.count);
    step(&acc, e, rows, cols, wBlock, xGroup, px);
    e = next(e, cols.count);
    step(&acc, e, rows, cols, wBlock, xGroup, px);
    e = next(e, cols.count);
  }
  for (; k < entries; k++) {
    step(&acc, e, rows, cols, wBlock, xGroup, px);
    e = next(e, cols.count);
  }

  let out = Quad(outputOffsets(idx0, ry, rx), outputOffsets(idx0 + 4u, ry, rx), outputOffsets(idx0 + 8u, ry, rx), outputOffsets(idx0 + 12u, ry, rx));
  let yBase = p.ySkip + (n * p.M + g * p.groupM) * p.Ho * p.Wo;
  let m0 = outBlock * 16u;
  let gm = g * p.groupM;
  // Written out rather than looped: a dynamic index into acc would keep it out of registers.
  store(yBase, out[0].x, m0, gm, acc[0]);
  store(yBase, out[0].y, m0, gm, acc[1]);
  store(yBase, out[0].z, m0, gm, acc[2]);
  store(yBase, out[0].w, m0, gm, acc[3]);
  store(yBase, out[1].x, m0, gm, acc[4]);
  store(yBase, out[1].y, m0, gm, acc[5]);
  store(yBase, out[1].z, m0, gm, acc[6]);
  store(yBase, out[1].w, m0, gm, acc[7]);
  store(yBase, out[2].x, m0, gm, acc[8]);
  store(yBase, out[2].y, m0, gm, acc[9]);
  store(yBase, out[2].z, m0, gm, acc[10]);
  store(yBase, out[2].w, m0, gm, acc[11]);
  store(yBase, out[3].x, m0, gm, acc[12]);
  store(yBase, out[3].y, m0, gm, acc[13]);
  store(yBase, out[3].z, m0, gm, acc[14]);
  store(yBase, out[3].w, m0, gm, acc[15]);
}
