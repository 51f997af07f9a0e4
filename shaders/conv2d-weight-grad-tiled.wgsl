// Weight gradient of a 2-D convolution, NCHW, for GPUs (conv2d-weight-grad.wgsl is the version for
// CPU drivers), as an implicit matrix product:
//   dw[m, k] = sum over output pixels q of dy[m, q] * column[k, q]
// where k runs over (input channel c, ky, kx) and column[k, q] is the input value that tap k of
// output pixel q reads (0 in the padding), gathered on the fly. The pixels (n, oy, ox) of the
// images in the range are split into slices, each writing its own partial dw (summed afterwards),
// so that small weights still give enough workgroups; no atomics.
// Threads: a 16 x 16 workgroup per (64 channels m, 64 entries k, group and slice). The sum goes
// 16 pixels at a time: the workgroup stages 64 x 16 values of dy and 16 x 64 column values in
// workgroup memory (consecutive threads along pixels, so loads coalesce), and each thread adds
// the products for its 4 channels x 4 entries (channels ty + 16i, entries tx + 16j).

struct Params {
  C: u32, H: u32, W: u32,        // x: channels and size (of one image)
  M: u32, Ho: u32, Wo: u32,      // dy: channels and size
  kH: u32, kW: u32,
  strideH: u32, strideW: u32,
  padTop: i32, padLeft: i32,     // negative for ConvTranspose with a large explicit output shape
  dilationH: u32, dilationW: u32,
  groupC: u32,                   // x channels per group
  groupM: u32,                   // dy channels per group
  groups: u32,
  pixels: u32,                   // output pixels summed by this dispatch: images * Ho * Wo
  slicePixels: u32,              // pixels per slice
  xSkip: u32, dySkip: u32,       // elements before the first image in the bound ranges of x and dy
  outBase: u32,                  // where this dispatch's first slice starts in `partial`
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

const TILE = 64u;   // channels m and entries k per workgroup
const DEPTH = 16u;  // pixels staged at a time

var<workgroup> dyTile: array<array<f32, TILE>, DEPTH>;   // [pixel][channel]
var<workgroup> colTile: array<array<f32, TILE>, DEPTH>;  // [pixel][entry]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tx = local.x;
  let ty = local.y;
  let k0 = wid.x * TILE;
  let m0 = wid.y * TILE;
  let g = wid.z % p.groups;
  let slice = wid.z / p.groups;
  let taps = p.kH * p.kW;
  let entries = p.groupC * taps;
  let plane = p.Ho * p.Wo;
  let first = slice * p.slicePixels;
  let last = min(first + p.slicePixels, p.pixels);

  // Staging: element e = r * 256 + lid is pixel e % 16 of row e / 16 (a channel, or an entry).
  let q = lid % DEPTH;
  var acc: array<vec4<f32>, 4>; // acc[j][i]: entry tx + 16j, channel ty + 16i
  for (var q0 = first; q0 < last; q0 += DEPTH) {
    let pixel = q0 + q;
    let inside = pixel < last;
    let n = pixel / plane;
    let at = pixel % plane;
    let originY = i32((at / p.Wo) * p.strideH) - p.padTop;
    let originX = i32((at % p.Wo) * p.strideW) - p.padLeft;
    for (var r = 0u; r < 4u; r++) {
      let row = (r * 256u + lid) / DEPTH;
      var v = 0.0;
      if (inside && m0 + row < p.groupM) {
        v = dy[p.dySkip + (n * p.M + g * p.groupM + m0 + row) * plane + at];
      }
      dyTile[q][row] = v;
      var u = 0.0;
      let k = k0 + row;
      if (inside && k < entries) {
        let c = k / taps;
        let tap = k % taps;
        let iy = originY + i32((tap / p.kW) * p.dilationH);
        let ix = originX + i32((tap % p.kW) * p.dilationW);
        if (iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W)) {
          u = x[p.xSkip + ((n * p.C + g * p.groupC + c) * p.H + u32(iy)) * p.W + u32(ix)];
        }
      }
      colTile[q][row] = u;
    }
    workgroupBarrier();
    for (var qq = 0u; qq < DEPTH; qq++) {
      let d = vec4<f32>(dyTile[qq][ty], dyTile[qq][ty + 16u], dyTile[qq][ty + 32u], dyTile[qq][ty + 48u]);
      acc[0] += d * colTile[qq][tx];
      acc[1] += d * colTile[qq][tx + 16u];
      acc[2] += d * colTile[qq][tx + 32u];
      acc[3] += d * colTile[qq][tx + 48u];
    }
    workgroupBarrier();
  }

  let size = p.M * entries;
  for (var j = 0u; j < 4u; j++) {
    let k = k0 + tx + 16u * j;
    if (k >= entries) { continue; }
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + ty + 16u * i;
      if (m < p.groupM) {
        partial[p.outBase + slice * size + (g * p.groupM + m) * entries + k] = acc[j][i];
      }
    }
  }
}
