// Transposed 2-D convolution, NCHW (ONNX ConvTranspose; also Conv's input gradient), as a gather:
//   y[n, m, oy, ox] = bias[m] + sum of x[n, c, iy, ix] * w[c, m, ky, kx]
//   over c in m's group and the taps with oy = iy * strideH - padTop + ky * dilationH (likewise ox).
// For an output row oy, tap ky contributes only when oy + padTop - ky * dilationH is a multiple of
// strideH, so the output pixels are split into strideH x strideW residue classes (oy mod strideH,
// ox mod strideW): within a class every pixel takes the same taps, and a thread skips the others.
// Threads: one per (image, group, block of 16 output channels, class, tile of 8 pixels of the
// class, consecutive in its flattened map). As in conv2d.wgsl, a thread keeps 16 x 8 sums in
// registers (one mat4x4 per pixel) and reads weights packed by conv2d-pack-weights.wgsl:
// w[g][block][tap][c][16 channels], as vec4s.

struct Params {
  C: u32, H: u32, W: u32,        // input channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // output channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative when an explicit output shape is larger than the natural one
  dilationH: u32, dilationW: u32,
  groups: u32,
  groupC: u32,                   // input (reduction) channels per group
  groupM: u32,                   // output channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  classH: u32, classW: u32,      // size of a residue class's map: ceil(Ho / strideH) x ceil(Wo / strideW)
  tiles: u32,                    // 8-pixel tiles per class: ceil(classH * classW / 8)
  threads: u32,                  // images * groups * blocks * strideH * strideW * tiles
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

/** x at offset o of a channel plane starting at `plane`; o < 0 is outside the input. */
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

/** Offsets within a plane of input positions (iy, ix), -1 where they fall outside the input. */
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

/** Writes one output pixel's 16 channels; `o` is its offset in the map, -1 for none. */
fn store(yBase: u32, o: i32, m0: u32, gm: u32, a: mat4x4<f32>) {
  if (o < 0) { return; }
  let at = yBase + u32(o);
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
  let classes = p.strideH * p.strideW;
  let cls = r % classes;
  r /= classes;
  let outBlock = r % p.blocks;
  r /= p.blocks;
  let g = r % p.groups;
  let n = r / p.groups;
  let ry = cls / p.strideW;
  let rx = cls % p.strideW;

  // The tile's pixels: (a, b) in the class's map is output pixel (ry + a * strideH, rx + b * strideW).
  let classPixels = p.classH * p.classW;
  let idx0 = tile * 8u;
  let idxLo = min(vec4<u32>(idx0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(classPixels - 1u));
  let idxHi = min(vec4<u32>(idx0) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(classPixels - 1u));
  let aLo = vec4<i32>(idxLo / p.classW);
  let aHi = vec4<i32>(idxHi / p.classW);
  let bLo = vec4<i32>(idxLo % p.classW);
  let bHi = vec4<i32>(idxHi % p.classW);

  let planeSize = p.H * p.W;
  let xGroup = p.xSkip + (n * p.C + g * p.groupC) * planeSize;
  var acc: Tile;
  for (var ky = 0u; ky < p.kH; ky++) {
    // Input row iy = (oy + padTop - ky * dilationH) / strideH = a + (ry + padTop - ky * dilationH) / strideH.
    let rowShift = i32(ry) + p.padTop - i32(ky * p.dilationH);
    if (rowShift % i32(p.strideH) != 0) { continue; }
    let iyLo = aLo + rowShift / i32(p.strideH);
    let iyHi = aHi + rowShift / i32(p.strideH);
    for (var kx = 0u; kx < p.kW; kx++) {
      let colShift = i32(rx) + p.padLeft - i32(kx * p.dilationW);
      if (colShift % i32(p.strideW) != 0) { continue; }
      let lo = offsets(iyLo, bLo + colShift / i32(p.strideW));
      let hi = offsets(iyHi, bHi + colShift / i32(p.strideW));
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

  // Each pixel's offset in the output map, or -1 past the class's map or the output's edge.
  let oyLo = vec4<i32>(i32(ry)) + aLo * i32(p.strideH);
  let oyHi = vec4<i32>(i32(ry)) + aHi * i32(p.strideH);
  let oxLo = vec4<i32>(i32(rx)) + bLo * i32(p.strideW);
  let oxHi = vec4<i32>(i32(rx)) + bHi * i32(p.strideW);
  let realLo = vec4<u32>(idx0) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(classPixels);
  let realHi = vec4<u32>(idx0) + vec4<u32>(4u, 5u, 6u, 7u) < vec4<u32>(classPixels);
  let outLo = select(vec4<i32>(-1), oyLo * i32(p.Wo) + oxLo, realLo & (oyLo < vec4<i32>(i32(p.Ho))) & (oxLo < vec4<i32>(i32(p.Wo))));
  let outHi = select(vec4<i32>(-1), oyHi * i32(p.Wo) + oxHi, realHi & (oyHi < vec4<i32>(i32(p.Ho))) & (oxHi < vec4<i32>(i32(p.Wo))));

  let yBase = p.ySkip + (n * p.M + g * p.groupM) * p.Ho * p.Wo;
  let m0 = outBlock * 16u;
  let gm = g * p.groupM;
  // Written out rather than looped: a dynamic index into acc would keep it out of registers.
  store(yBase, outLo.x, m0, gm, acc[0]);
  store(yBase, outLo.y, m0, gm, acc[1]);
  store(yBase, outLo.z, m0, gm, acc[2]);
  store(yBase, outLo.w, m0, gm, acc[3]);
  store(yBase, outHi.x, m0, gm, acc[4]);
  store(yBase, outHi.y, m0, gm, acc[5]);
  store(yBase, outHi.z, m0, gm, acc[6]);
  store(yBase, outHi.w, m0, gm, acc[7]);
}
