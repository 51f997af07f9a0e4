// Direct 2-D convolution, NCHW, as an implicit matrix product for GPUs (conv2d.wgsl is the version
// for CPU drivers): for each group, y[m, pixel] = sum over k of w[m, k] * column[k, pixel], where
// k runs over (input channel, ky, kx) and column[k, pixel] is the input value that tap k of that
// output pixel reads (0 in the padding), never stored: each workgroup gathers its slice of it.
// Threads: a 16 x 16 workgroup per (64 output channels, 64 output pixels of the images in the
// range, group). The sum goes 16 values of k at a time: the workgroup stages the 64 x 16 weights
// and the 16 x 64 column values in workgroup memory, and each thread adds the products for its
// 4 channels x 4 pixels (channels ty + 16j, pixels tx + 16i: neighbouring threads touch
// neighbouring pixels, so loads and stores coalesce and workgroup memory has no bank conflicts).
// Weights are read through strides, so OIHW (Conv) and IOHW (ConvTranspose, taps reversed by
// `flip`) layouts both work without repacking.

struct Params {
  C: u32, H: u32, W: u32,        // input channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // output channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,
  dilationH: u32, dilationW: u32,
  groupC: u32,                   // input channels per group
  groupM: u32,                   // output channels per group
  pixels: u32,                   // output pixels in the range: images * Ho * Wo
  wGroup: u32, wOut: u32, wIn: u32, // strides of w between groups, output channels, input channels
  flip: u32,                     // 1: tap t reads the weight of tap kH * kW - 1 - t
  hasBias: u32,
  xSkip: u32, ySkip: u32,        // elements before the first image in the bound ranges of x and y
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const TILE = 64u;   // output channels and output pixels per workgroup
const DEPTH = 16u;  // values of k staged at a time

var<workgroup> wTile: array<array<f32, TILE>, DEPTH>;   // [k][channel]
var<workgroup> xTile: array<array<f32, TILE>, DEPTH>;   // [k][pixel]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tx = local.x;
  let ty = local.y;
  let pixel0 = wid.x * TILE;
  let m0 = wid.y * TILE;
  let g = wid.z;
  let taps = p.kH * p.kW;
  let K = p.groupC * taps;
  let plane = p.Ho * p.Wo;

  // The pixel whose column values this thread gathers: the same one for every k (lid % 64).
  let gatherPixel = pixel0 + lid % TILE;
  let gatherImage = gatherPixel / plane;
  let gatherAt = gatherPixel % plane;
  let originY = i32((gatherAt / p.Wo) * p.strideH) - p.padTop;
  let originX = i32((gatherAt % p.Wo) * p.strideW) - p.padLeft;
  let xImage = p.xSkip + (gatherImage * p.C + g * p.groupC) * p.H * p.W;
  let gatherValid = gatherPixel < p.pixels;

  var acc: array<vec4<f32>, 4>; // acc[i][j]: pixel tx + 16i, channel ty + 16j
  for (var k0 = 0u; k0 < K; k0 += DEPTH) {
    // Stage weights: 64 channels x 16 k, four per thread, consecutive threads along k.
    for (var r = 0u; r < 4u; r++) {
      let e = r * 256u + lid;
      let m = e / DEPTH;
      let kk = e % DEPTH;
      let k = k0 + kk;
      var v = 0.0;
      if (m0 + m < p.groupM && k < K) {
        let c = k / taps;
        let tap = select(k % taps, taps - 1u - k % taps, p.flip != 0u);
        v = w[g * p.wGroup + (m0 + m) * p.wOut + c * p.wIn + tap];
      }
      wTile[kk][m] = v;
    }
    // Stage column values: 16 k x 64 pixels, four per thread, consecutive threads along pixels.
    for (var r = 0u; r < 4u; r++) {
      let kk = r * 4u + lid / TILE;
      let k = k0 + kk;
      var v = 0.0;
      if (gatherValid && k < K) {
        let c = k / taps;
        let tap = k % taps;
        let iy = originY + i32((tap / p.kW) * p.dilationH);
        let ix = originX + i32((tap % p.kW) * p.dilationW);
        if (iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W)) {
          v = x[xImage + c * p.H * p.W + u32(iy) * p.W + u32(ix)];
        }
      }
      xTile[kk][lid % TILE] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk++) {
      let a = vec4<f32>(wTile[kk][ty], wTile[kk][ty + 16u], wTile[kk][ty + 32u], wTile[kk][ty + 48u]);
      acc[0] += a * xTile[kk][tx];
      acc[1] += a * xTile[kk][tx + 16u];
      acc[2] += a * xTile[kk][tx + 32u];
      acc[3] += a * xTile[kk][tx + 48u];
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let pixel = pixel0 + tx + 16u * i;
    if (pixel >= p.pixels) { continue; }
    let yImage = p.ySkip + ((pixel / plane) * p.M + g * p.groupM) * plane + pixel % plane;
    for (var j = 0u; j < 4u; j++) {
      let m = m0 + ty + 16u * j;
      if (m < p.groupM) {
        let b = select(0.0, bias[min(g * p.groupM + m, p.M - 1u)], p.hasBias != 0u);
        y[yImage + m * plane] = acc[i][j] + b;
      }
    }
  }
}
