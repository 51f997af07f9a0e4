// Weight gradient of a 2-D convolution, NCHW (ONNX Conv; also ConvTranspose with x and dy swapped):
//   dw[m, c, ky, kx] = sum over n, oy, ox of dy[n, m, oy, ox] * x[n, c, iy, ix]
//   with iy = oy * strideH - padTop + ky * dilationH (likewise ix), c in m's group.
// The sum over (n, oy) rows is split into slices, each writing its own partial dw (summed
// afterwards), so that small weights still give enough threads; no atomics.
// Threads: one per (slice, group, block of 16 output channels m, tile of 8 consecutive entries of
// the flattened (c, ky, kx) space). A thread keeps its 16 x 8 sums in registers, one mat4x4 per
// (c, ky, kx) entry (column j holds channels 4j..4j+3), and for each output pixel loads 16 dy values
// and 8 x values. Channels past the group and entries past the end are clamped to valid ones
// while summing and never stored.

struct Params {
  C: u32, H: u32, W: u32,        // x: channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // dy: channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative for ConvTranspose with an output shape larger than the natural one
  dilationH: u32, dilationW: u32,
  groups: u32,
  groupC: u32,                   // x channels per group
  groupM: u32,                   // dy channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  tapTiles: u32,                 // 8-entry tiles of (c, ky, kx): ceil(groupC * kH * kW / 8)
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

override WG: u32 = 64;

alias Tile = array<mat4x4<f32>, 8>;

/** Per-thread constants: where the 16 channels' dy planes start, and each entry's tap offsets. */
struct Entries {
  dyPlanes: array<vec4<u32>, 4>,  // offsets of the dy planes of channels m0 + 4j .. m0 + 4j + 3
  xPlaneLo: vec4<i32>,            // offset of entry q's x plane (its channel c), q = 0..3 and 4..7
  xPlaneHi: vec4<i32>,
  rowLo: vec4<i32>,               // ky * dilationH - padTop
  rowHi: vec4<i32>,
  colLo: vec4<i32>,               // kx * dilationW - padLeft
  colHi: vec4<i32>,
}

/** dy of the 16 channels at one pixel (`at`: the pixel's offset in a plane plus the image's base). */
fn gradients(at: u32, e: Entries) -> mat4x4<f32> {
  let a = e.dyPlanes;
  return mat4x4<f32>(
    vec4<f32>(dy[at + a[0].x], dy[at + a[0].y], dy[at + a[0].z], dy[at + a[0].w]),
    vec4<f32>(dy[at + a[1].x], dy[at + a[1].y], dy[at + a[1].z], dy[at + a[1].w]),
    vec4<f32>(dy[at + a[2].x], dy[at + a[2].y], dy[at + a[2].z], dy[at + a[2].w]),
    vec4<f32>(dy[at + a[3].x], dy[at + a[3].y], dy[at + a[3].z], dy[at + a[3].w]));
}

/** x at offset o from the image's base; o < 0 is padding. */
fn input(image: u32, o: i32) -> f32 {
  return select(0.0, x[image + u32(max(o, 0))], o >= 0);
}

/** Offsets from the image's base of the x values that entries meet at row iy and columns ix, -1 in the padding. */
fn offsets(plane: vec4<i32>, iy: vec4<i32>, ix: vec4<i32>) -> vec4<i32> {
  let inside = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(i32(p.H))) & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(p.W)));
  return select(vec4<i32>(-1), plane + iy * i32(p.W) + ix, inside);
}

/** Adds output pixel (oy, ox)'s products: acc[q] += dy[16 channels] * x[entry q's tap]. */
fn accumulate(acc: ptr<function, Tile>, e: Entries, image: u32, dyRow: u32, oy: u32, ox: u32) {
  let D = gradients(dyRow + ox, e);
  let iy = i32(oy * p.strideH);
  let ix = i32(ox * p.strideW);
  let lo = offsets(e.xPlaneLo, e.rowLo + iy, e.colLo + ix);
  let hi = offsets(e.xPlaneHi, e.rowHi + iy, e.colHi + ix);
  (*acc)[0] += D * input(image, lo.x);
  (*acc)[1] += D * input(image, lo.y);
  (*acc)[2] += D * input(image, lo.z);
  (*acc)[3] += D * input(image, lo.w);
  (*acc)[4] += D * input(image, hi.x);
  (*acc)[5] += D * input(image, hi.y);
  (*acc)[6] += D * input(image, hi.z);
  (*acc)[7] += D * input(image, hi.w);
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
  let entries = p.groupC * taps;
  let f0 = tapTile * 8u;
  let fLo = min(vec4<u32>(f0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(entries - 1u));
  let fHi = min(vec4<u32>(f0) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(entries - 1u));
  let m0 = outBlock * 16u;
  let lastM = vec4<u32>(p.groupM - 1u);
  let dyPlane = p.Ho * p.Wo;
  var e: Entries;
  e.dyPlanes[0] = min(vec4<u32>(m0) + vec4<u32>(0u, 1u, 2u, 3u), lastM) * dyPlane;
  e.dyPlanes[1] = min(vec4<u32>(m0) + vec4<u32>(4u, 5u, 6u, 7u), lastM) * dyPlane;
  e.dyPlanes[2] = min(vec4<u32>(m0) + vec4<u32>(8u, 9u, 10u, 11u), lastM) * dyPlane;
  e.dyPlanes[3] = min(vec4<u32>(m0) + vec4<u32>(12u, 13u, 14u, 15u), lastM) * dyPlane;
  e.xPlaneLo = vec4<i32>((fLo / taps) * p.H * p.W);
  e.xPlaneHi = vec4<i32>((fHi / taps) * p.H * p.W);
  e.rowLo = vec4<i32>(((fLo % taps) / p.kW) * p.dilationH) - p.padTop;
  e.rowHi = vec4<i32>(((fHi % taps) / p.kW) * p.dilationH) - p.padTop;
  e.colLo = vec4<i32>((fLo % p.kW) * p.dilationW) - p.padLeft;
  e.colHi = vec4<i32>((fHi % p.kW) * p.dilationW) - p.padLeft;

  var acc: Tile;
  let rowEnd = min(p.rows, (slice + 1u) * p.rowsPerSlice);
  for (var row = slice * p.rowsPerSlice; row < rowEnd; row++) {
    let n = row / p.Ho;
    let oy = row % p.Ho;
    let image = p.xSkip + (n * p.C + g * p.groupC) * p.H * p.W;
    let dyRow = p.dySkip + (n * p.M + g * p.groupM) * dyPlane + oy * p.Wo;
    var ox = 0u;
    for (; ox + 4u <= p.Wo; ox += 4u) {
      accumulate(&acc, e, image, dyRow, oy, ox);
      accumulate(&acc, e, image, dyRow, oy, ox + 1u);
      accumulate(&acc, e, image, dyRow, oy, ox + 2u);
      accumulate(&acc, e, image, dyRow, oy, ox + 3u);
    }
    for (; ox < p.Wo; ox++) {
      accumulate(&acc, e, image, dyRow, oy, ox);
    }
  }

  let at = p.outBase + slice * p.M * entries + g * p.groupM * entries;
  // Written out rather than looped: a dynamic index into acc would keep it out of registers.
  store(at, f0, m0, acc[0]);
  store(at, f0 + 1u, m0, acc[1]);
  store(at, f0 + 2u, m0, acc[2]);
  store(at, f0 + 3u, m0, acc[3]);
  store(at, f0 + 4u, m0, acc[4]);
  store(at, f0 + 5u, m0, acc[5]);
  store(at, f0 + 6u, m0, acc[6]);
  store(at, f0 + 7u, m0, acc[7]);
}
