// Direct 2-D convolution, NCHW (ONNX Conv; also ConvTranspose's input gradient):
//   y[n, m, oy, ox] = bias[m] + sum over c, ky, kx of x[n, c, iy, ix] * w[m, c, ky, kx]
//   with iy = oy * strideH - padTop + ky * dilationH (likewise ix), c in m's group.
// Threads: one per (image, group, block of 16 output channels, tile of 16 output pixels). The 16
// pixels are consecutive in the flattened output map (a tile may wrap a row). A thread keeps its
// 16 x 16 sums in registers, one mat4x4 per pixel (column j holds channels 4j..4j+3), so every
// input value loaded serves 16 channels and every weight serves 16 pixels.
// The sum runs over one flat list of entries (tap, input channel), unrolled by 4, so a layer with
// few input channels (an RGB image) loops as little as a wide one: on SwiftShader (a CPU driver) a
// loop trip costs per live register, and a load far more than a multiply-add.
// Weights come packed by conv2d-pack-weights.wgsl: w[g][block][tap][c][16 channels], as vec4s.

struct Params {
  C: u32, H: u32, W: u32,        // input channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // output channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative for ConvTranspose's input gradient with a large explicit output shape
  dilationH: u32, dilationW: u32,
  groups: u32,
  groupC: u32,                   // input channels per group
  groupM: u32,                   // output channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  tiles: u32,                    // 16-pixel tiles per output map: ceil(Ho * Wo / 16)
  threads: u32,                  // images * groups * blocks * tiles
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

/** Where each pixel of the tile reads input at tap (0, 0). */
struct Pixels { iy: Quad, ix: Quad }

/** An entry of the sum: input channel c at tap (ky, kx). */
struct Entry { c: u32, ky: u32, kx: u32 }

/** The entry after e in packed order: channel fastest, then kx, then ky. */
fn next(e: Entry) -> Entry {
  let wrapC = e.c + 1u == p.groupC;
  let kx = select(e.kx, e.kx + 1u, wrapC);
  let wrapX = kx == p.kW;
  return Entry(select(e.c + 1u, 0u, wrapC), select(e.ky, e.ky + 1u, wrapX), select(kx, 0u, wrapX));
}

/** The 16 packed weights of one entry as a matrix: column j = channels 4j..4j+3. */
fn weights(i: u32) -> mat4x4<f32> {
  return mat4x4<f32>(w[i], w[i + 1u], w[i + 2u], w[i + 3u]);
}

/** x at offset o of a channel plane starting at `plane`; o < 0 is padding. */
fn input(plane: u32, o: i32) -> f32 {
  return select(0.0, x[plane + u32(max(o, 0))], o >= 0);
}

/** Offsets within a plane of input positions (iy, ix), -1 where they fall in the padding. */
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

/** Adds one entry: its 16 weights (at packed index wi) times the tile's 16 input values. */
fn step(acc: ptr<function, Tile>, wi: u32, e: Entry, xGroup: u32, px: Pixels) {
  let dy = vec4<i32>(i32(e.ky * p.dilationH));
  let dx = vec4<i32>(i32(e.kx * p.dilationW));
  let o = Quad(
    offsets(px.iy[0] + dy, px.ix[0] + dx),
    offsets(px.iy[1] + dy, px.ix[1] + dx),
    offsets(px.iy[2] + dy, px.ix[2] + dx),
    offsets(px.iy[3] + dy, px.ix[3] + dx));
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

/** Writes one output pixel's 16 channels from its accumulator (nothing for a pixel past the map). */
fn store(yBase: u32, pix: u32, m0: u32, gm: u32, a: mat4x4<f32>) {
  if (pix >= p.Ho * p.Wo) { return; }
  let at = yBase + pix;
  storeColumn(at, m0, gm, a[0]);
  storeColumn(at, m0 + 4u, gm, a[1]);
  storeColumn(at, m0 + 8u, gm, a[2]);
  storeColumn(at, m0 + 12u, gm, a[3]);
}

/** Output pixels first..first+3, clamped to the map (pixels past its end repeat the last one, unstored). */
fn quad(first: u32) -> vec4<u32> {
  return min(vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.Ho * p.Wo - 1u));
}

/** The input rows and columns that output pixels `pix` read at tap (0, 0). */
fn originRows(pix: vec4<u32>) -> vec4<i32> {
  return vec4<i32>((pix / p.Wo) * p.strideH) - p.padTop;
}

fn originCols(pix: vec4<u32>) -> vec4<i32> {
  return vec4<i32>((pix % p.Wo) * p.strideW) - p.padLeft;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.threads) { return; }
  let tile = t % p.tiles;
  var r = t / p.tiles;
  let outBlock = r % p.blocks;
  r /= p.blocks;
  let g = r % p.groups;
  let n = r / p.groups;

  let pix0 = tile * 16u;
  let q = array<vec4<u32>, 4>(quad(pix0), quad(pix0 + 4u), quad(pix0 + 8u), quad(pix0 + 12u));
  let px = Pixels(
    Quad(originRows(q[0]), originRows(q[1]), originRows(q[2]), originRows(q[3])),
    Quad(originCols(q[0]), originCols(q[1]), originCols(q[2]), originCols(q[3])));

  let xGroup = p.xSkip + (n * p.C + g * p.groupC) * p.H * p.W;
  let entries = p.kH * p.kW * p.groupC;
  var wi = (g * p.blocks + outBlock) * entries * 4u;
  var acc: Tile;
  var e = Entry(0u, 0u, 0u);
  var k = 0u;
  for (; k + 4u <= entries; k += 4u) {
    step(&acc, wi, e, xGroup, px);
    e = next(e);
    step(&acc, wi + 4u, e, xGroup, px);
    e = next(e);
    step(&acc, wi + 8u, e, xGroup, px);
    e = next(e);
    step(&acc, wi + 12u, e, xGroup, px);
    e = next(e);
    wi += 16u;
  }
  for (; k < entries; k++) {
    step(&acc, wi, e, xGroup, px);
    e = next(e);
    wi += 4u;
  }

  let yBase = p.ySkip + (n * p.M + g * p.groupM) * p.Ho * p.Wo;
  let m0 = outBlock * 16u;
  let gm = g * p.groupM;
  // Written out rather than looped: a dynamic index into acc would keep it out of registers.
  store(yBase, pix0, m0, gm, acc[0]);
  store(yBase, pix0 + 1u, m0, gm, acc[1]);
  store(yBase, pix0 + 2u, m0, gm, acc[2]);
  store(yBase, pix0 + 3u, m0, gm, acc[3]);
  store(yBase, pix0 + 4u, m0, gm, acc[4]);
  store(yBase, pix0 + 5u, m0, gm, acc[5]);
  store(yBase, pix0 + 6u, m0, gm, acc[6]);
  store(yBase, pix0 + 7u, m0, gm, acc[7]);
  store(yBase, pix0 + 8u, m0, gm, acc[8]);
  store(yBase, pix0 + 9u, m0, gm, acc[9]);
  store(yBase, pix0 + 10u, m0, gm, acc[10]);
  store(yBase, pix0 + 11u, m0, gm, acc[11]);
  store(yBase, pix0 + 12u, m0, gm, acc[12]);
  store(yBase, pix0 + 13u, m0, gm, acc[13]);
  store(yBase, pix0 + 14u, m0, gm, acc[14]);
  store(yBase, pix0 + 15u, m0, gm, acc[15]);
}
