// Direct 2-D convolution, NCHW (ONNX Conv; also ConvTranspose's input gradient):
//   y[n, m, oy, ox] = bias[m] + sum over c, ky, kx of x[n, c, iy, ix] * w[m, c, ky, kx]
//   with iy = oy * strideH - padTop + ky * dilationH (likewise ix), c in m's group.
// Threads: one per (image, group, block of 16 output channels, tile of 8 output pixels). The 8
// pixels are consecutive in the flattened output map (a tile may wrap a row). A thread keeps its
// 16 x 8 sums in registers, one mat4x4 per pixel (column j holds channels 4j..4j+3), so every
// input value loaded serves 16 channels and every weight serves 8 pixels.
// Weights come packed by conv2d-pack-weights.wgsl: w[g][block][tap][c][16 channels], as vec4s.
// The channel loop is unrolled by 4 and loads nothing but inputs and weights: on SwiftShader (a
// CPU driver) a load costs far more than a multiply-add, and a loop trip costs per live register.

struct Params {
  C: u32, H: u32, W: u32,        // input channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // output channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative for ConvTranspose with an output shape larger than the natural one
  dilationH: u32, dilationW: u32,
  groups: u32,
  groupC: u32,                   // input channels per group
  groupM: u32,                   // output channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  tiles: u32,                    // 8-pixel tiles per output map: ceil(Ho * Wo / 8)
  threads: u32,                  // images * groups * blocks * tiles
  hasBias: u32,
  xSkip: u32, ySkip: u32,        // elements before the first image in the bound ranges of x and y
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

alias Tile = array<mat4x4<f32>, 8>;

/** The 16 packed weights of one (tap, channel) as a matrix: column j = channels 4j..4j+3. */
fn weights(i: u32) -> mat4x4<f32> {
  return mat4x4<f32>(w[i], w[i + 1u], w[i + 2u], w[i + 3u]);
}

/** x at offset o of a channel plane starting at `plane`; o < 0 is padding. */
fn input(plane: u32, o: i32) -> f32 {
  return select(0.0, x[plane + u32(max(o, 0))], o >= 0);
}

/** acc[q] += W * (input of pixel q) for the tile's 8 pixels, whose offsets are in lo and hi. */
fn accumulate(acc: ptr<function, Tile>, W: mat4x4<f32>, plane: u32, lo: vec4<i32>, hi: vec4<i32>) {
  (*acc)[0] += W * input(plane, lo.x);
  (*acc)[1] += W * input(plane, lo.y);
  (*acc)[2] += W * input(plane, lo.z);
  (*acc)[3] += W * input(plane, lo.w);
  (*acc)[4] += W * input(plane, hi.x);
  (*acc)[5] += W * input(plane, hi.y);
  (*acc)[6] += W * input(plane, hi.z);
  (*acc)[7] += W * input(plane, hi.w);
}

/** Offsets within a plane of input positions (iy, ix), -1 where they fall in the padding. */
fn offsets(iy: vec4<i32>, ix: vec4<i32>) -> vec4<i32> {
  let inside = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(i32(p.H))) & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(p.W)));
  return select(vec4<i32>(-1), iy * i32(p.W) + ix, inside);
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

  // The tile's pixels (clamped to the map: the extra ones compute a copy and are not stored) and
  // the input position of each one's first tap.
  let pixels = p.Ho * p.Wo;
  let pix0 = tile * 8u;
  let pixLo = min(vec4<u32>(pix0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(pixels - 1u));
  let pixHi = min(vec4<u32>(pix0) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(pixels - 1u));
  let iyLo = vec4<i32>((pixLo / p.Wo) * p.strideH) - p.padTop;
  let iyHi = vec4<i32>((pixHi / p.Wo) * p.strideH) - p.padTop;
  let ixLo = vec4<i32>((pixLo % p.Wo) * p.strideW) - p.padLeft;
  let ixHi = vec4<i32>((pixHi % p.Wo) * p.strideW) - p.padLeft;

  let planeSize = p.H * p.W;
  let xGroup = p.xSkip + (n * p.C + g * p.groupC) * planeSize;
  var acc: Tile;
  for (var ky = 0u; ky < p.kH; ky++) {
    let dy = i32(ky * p.dilationH);
    for (var kx = 0u; kx < p.kW; kx++) {
      let dx = i32(kx * p.dilationW);
      let lo = offsets(iyLo + dy, ixLo + dx);
      let hi = offsets(iyHi + dy, ixHi + dx);
      // This tap's packed weights: 4 vec4s (16 channels) per input channel.
      var wi = ((g * p.blocks + outBlock) * p.kH * p.kW + ky * p.kW + kx) * p.groupC * 4u;
      var plane = xGroup;
      var c = 0u;
      for (; c + 4u <= p.groupC; c += 4u) {
        accumulate(&acc, weights(wi), plane, lo, hi);
        accumulate(&acc, weights(wi + 4u), plane + planeSize, lo, hi);
        accumulate(&acc, weights(wi + 8u), plane + 2u * planeSize, lo, hi);
        accumulate(&acc, weights(wi + 12u), plane + 3u * planeSize, lo, hi);
        wi += 16u;
        plane += 4u * planeSize;
      }
      for (; c < p.groupC; c++) {
        accumulate(&acc, weights(wi), plane, lo, hi);
        wi += 4u;
        plane += planeSize;
      }
    }
  }

  let yBase = p.ySkip + (n * p.M + g * p.groupM) * pixels;
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
}
