// Weight gradient of a 2-D convolution, NCHW (ONNX Conv; also ConvTranspose with x and dy swapped):
//   dw[m, c, ky, kx] = sum over n, oy, ox of dy[n, m, oy, ox] * x[n, c, iy, ix]
//   with iy = oy * strideH - padTop + ky * dilationH (likewise ix), c in m's group.
// The sum over the output pixels (n, oy, ox) is split into slices of whole rows, each writing its
// own partial dw (summed afterwards), so that small weights still give enough threads; no atomics.
// Threads: one per (slice, group, block of 16 channels m, tile of 16 consecutive entries of the
// flattened (c, ky, kx) space). A thread keeps its 16 x 16 sums in registers, one mat4x4 per entry
// (column j holds channels 4j..4j+3), and for each output pixel loads 16 dy values and 16 x values;
// its pixels form one flat loop unrolled by 4 (on SwiftShader, a CPU driver, a loop trip costs per
// live register). Channels past the group and entries past the end are clamped to valid ones
// while summing and never stored.

struct Params {
  C: u32, H: u32, W: u32,        // x: channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // dy: channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative for ConvTranspose with a large explicit output shape
  dilationH: u32, dilationW: u32,
  groups: u32,
  groupC: u32,                   // x channels per group
  groupM: u32,                   // dy channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  tapTiles: u32,                 // 16-entry tiles of (c, ky, kx): ceil(groupC * kH * kW / 16)
  rows: u32,                     // (image, oy) rows summed by this dispatch: images * Ho
  rowsPerSlice: u32,
  threads: u32,                  // slices * groups * blocks * tapTiles
  xSkip: u32, dySkip: u32,       // elements before the first image in the bound ranges of x and dy
  outBase: u32,                  // where this dispatch's first slice starts in `partial`
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

override WG: u32 = 16;

alias Tile = array<mat4x4<f32>, 16>;
/** One i32 per entry of the tile, 4 at a time. */
alias Quad = array<vec4<i32>, 4>;

/** Per-thread constants: the 16 channels' dy planes, and each entry's x plane and tap offsets. */
struct Entries {
  dyPlanes: array<vec4<u32>, 4>,  // offsets of the dy planes of channels m0 + 4j .. m0 + 4j + 3
  xPlane: Quad,                   // offset of the entry's channel plane from the group's first
  row: Quad,                      // ky * dilationH - padTop
  col: Quad,                      // kx * dilationW - padLeft
}

/** An output pixel of the sum. */
struct Pixel { n: u32, oy: u32, ox: u32 }

fn next(q: Pixel) -> Pixel {
  let wrapX = q.ox + 1u == p.Wo;
  let oy = select(q.oy, q.oy + 1u, wrapX);
  let wrapY = oy == p.Ho;
  return Pixel(select(q.n, q.n + 1u, wrapY), select(oy, 0u, wrapY), select(q.ox + 1u, 0u, wrapX));
}

/** dy of the 16 channels at one pixel (`at`: the pixel's offset in a plane plus the group's base). */
fn gradients(at: u32, a: array<vec4<u32>, 4>) -> mat4x4<f32> {
  return mat4x4<f32>(
    vec4<f32>(dy[at + a[0].x], dy[at + a[0].y], dy[at + a[0].z], dy[at + a[0].w]),
    vec4<f32>(dy[at + a[1].x], dy[at + a[1].y], dy[at + a[1].z], dy[at + a[1].w]),
    vec4<f32>(dy[at + a[2].x], dy[at + a[2].y], dy[at + a[2].z], dy[at + a[2].w]),
    vec4<f32>(dy[at + a[3].x], dy[at + a[3].y], dy[at + a[3].z], dy[at + a[3].w]));
}

/** x at offset o from the group's first plane; o < 0 is padding. */
fn input(base: u32, o: i32) -> f32 {
  return select(0.0, x[base + u32(max(o, 0))], o >= 0);
}

/** Offsets of the x values at rows iy and columns ix of the given planes, -1 in the padding. */
fn offsets(plane: vec4<i32>, iy: vec4<i32>, ix: vec4<i32>) -> vec4<i32> {
  let inside = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(i32(p.H))) & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(p.W)));
  return select(vec4<i32>(-1), plane + iy * i32(p.W) + ix, inside);
}

/** Adds one output pixel's products: acc[q] += dy[16 channels] * x[entry q's tap]. */
fn step(acc: ptr<function, Tile>, e: Entries, q: Pixel, g: u32) {
  let D = gradients(p.dySkip + (q.n * p.M + g * p.groupM) * p.Ho * p.Wo + q.oy * p.Wo + q.ox, e.dyPlanes);
  let base = p.xSkip + (q.n * p.C + g * p.groupC) * p.H * p.W;
  let iy = vec4<i32>(i32(q.oy * p.strideH));
  let ix = vec4<i32>(i32(q.ox * p.strideW));
  let o = Quad(
    offsets(e.xPlane[0], e.row[0] + iy, e.col[0] + ix),
    offsets(e.xPlane[1], e.row[1] + iy, e.col[1] + ix),
    offsets(e.xPlane[2], e.row[2] + iy, e.col[2] + ix),
    offsets(e.xPlane[3], e.row[3] + iy, e.col[3] + ix));
  (*acc)[0] += D * input(base, o[0].x);
  (*acc)[1] += D * input(base, o[0].y);
  (*acc)[2] += D * input(base, o[0].z);
  (*acc)[3] += D * input(base, o[0].w);
  (*acc)[4] += D * input(base, o[1].x);
  (*acc)[5] += D * input(base, o[1].y);
  (*acc)[6] += D * input(base, o[1].z);
  (*acc)[7] += D * input(base, o[1].w);
  (*acc)[8] += D * input(base, o[2].x);
  (*acc)[9] += D * input(base, o[2].y);
  (*acc)[10] += D * input(base, o[2].z);
  (*acc)[11] += D * input(base, o[2].w);
  (*acc)[12] += D * input(base, o[3].x);
  (*acc)[13] += D * input(base, o[3].y);
  (*acc)[14] += D * input(base, o[3].z);
  (*acc)[15] += D * input(base, o[3].w);
}

/** Writes entry f's sums for channels m0..m0+15 (those in the group; nothing past the last entry). */
fn store(at: u32, f: u32, m0: u32, a: mat4x4<f32>) {
  let entries = p.groupC * p.kH * p.kW;
  if (f >= entries) { return; }
  for (var j = 0u; j < 4u; j++) {
    for (var k = 0u; k < 4u; k++) {
      let m = m0 + j * 4u + k;
      if (m < p.groupM) { partial[at + m * entries + f] = a[j][k]; }
    }
  }
}

/** Entries first..first+3 of the flattened (c, ky, kx) space, clamped to the last. */
fn quad(first: u32) -> vec4<u32> {
  return min(vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.groupC * p.kH * p.kW - 1u));
}

/** Channels m..m+3 (clamped to the group's last) as the offsets of their dy planes. */
fn dyPlanes(m: u32) -> vec4<u32> {
  return min(vec4<u32>(m) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.groupM - 1u)) * p.Ho * p.Wo;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.threads) { return; }
  let tapTile = t % p.tapTiles;
  var r = t / p.tapTiles;
  let outBlock = r % p.blocks;
  r /= p.blocks;
  let g = r % p.groups;
  let slice = r / p.groups;

  let taps = p.kH * p.kW;
  let f0 = tapTile * 16u;
  let m0 = outBlock * 16u;
  let f = array<vec4<u32>, 4>(quad(f0), quad(f0 + 4u), quad(f0 + 8u), quad(f0 + 12u));
  var e: Entries;
  e.dyPlanes = array<vec4<u32>, 4>(dyPlanes(m0), dyPlanes(m0 + 4u), dyPlanes(m0 + 8u), dyPlanes(m0 + 12u));
  e.xPlane = Quad(vec4<i32>((f[0] / taps) * p.H * p.W), vec4<i32>((f[1] / taps) * p.H * p.W), vec4<i32>((f[2] / taps) * p.H * p.W), vec4<i32>((f[3] / taps) * p.H * p.W));
  e.row = Quad(
    vec4<i32>(((f[0] % taps) / p.kW) * p.dilationH) - p.padTop, vec4<i32>(((f[1] % taps) / p.kW) * p.dilationH) - p.padTop,
    vec4<i32>(((f[2] % taps) / p.kW) * p.dilationH) - p.padTop, vec4<i32>(((f[3] % taps) / p.kW) * p.dilationH) - p.padTop);
  e.col = Quad(
    vec4<i32>((f[0] % p.kW) * p.dilationW) - p.padLeft, vec4<i32>((f[1] % p.kW) * p.dilationW) - p.padLeft,
    vec4<i32>((f[2] % p.kW) * p.dilationW) - p.padLeft, vec4<i32>((f[3] % p.kW) * p.dilationW) - p.padLeft);

  // This slice's rows, as a flat run of output pixels.
  let firstRow = slice * p.rowsPerSlice;
  let pixels = (min(p.rows, firstRow + p.rowsPerSlice) - firstRow) * p.Wo;
  var q = Pixel(firstRow / p.Ho, firstRow % p.Ho, 0u);
  var acc: Tile;
  var k = 0u;
  for (; k + 4u <= pixels; k += 4u) {
    step(&acc, e, q, g);
    q = next(q);
    step(&acc, e, q, g);
    q = next(q);
    step(&acc, e, q, g);
    q = next(q);
    step(&acc, e, q, g);
    q = next(q);
  }
  for (; k < pixels; k++) {
    step(&acc, e, q, g);
    q = next(q);
  }

  let at = p.outBase + slice * p.M * taps * p.groupC + g * p.groupM * taps * p.groupC;
  // Written out rather than looped: a dynamic index into acc would keep it out of registers.
  store(at, f0, m0, acc[0]);
  store(at, f0 + 1u, m0, acc[1]);
  store(at, f0 + 2u, m0, acc[2]);
  store(at, f0 + 3u, m0, acc[3]);
  store(at, f0 + 4u, m0, acc[4]);
  store(at, f0 + 5u, m0, acc[5]);
  store(at, f0 + 6u, m0, acc[6]);
  store(at, f0 + 7u, m0, acc[7]);
  store(at, f0 + 8u, m0, acc[8]);
  store(at, f0 + 9u, m0, acc[9]);
  store(at, f0 + 10u, m0, acc[10]);
  store(at, f0 + 11u, m0, acc[11]);
  store(at, f0 + 12u, m0, acc[12]);
  store(at, f0 + 13u, m0, acc[13]);
  store(at, f0 + 14u, m0, acc[14]);
  store(at, f0 + 15u, m0, acc[15]);
}
