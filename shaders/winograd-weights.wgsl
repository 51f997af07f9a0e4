// Winograd F(2x2, 3x3), step 1 of 4: transforms 3x3 convolution weights, U = G g G^T, into the
// 4x4 = 16 components the product (winograd-product.wgsl) multiplies, laid out as it reads them:
//   u[g][block][i][xi][j] = U[xi] of (output channel block * 16 + j of group g, reduction channel i)
// (zero past the group's last output channel), so that one component's weights for a block of 16
// output channels are 4 vec4s. As in conv2d-pack-weights.wgsl the source layout comes as strides
// (OIHW or IOHW weights, used either way round), and `flip` reverses the taps.
// A strided or larger kernel is read as several 3x3 ones (see src/ops/winograd.ts): reduction
// channel i is view i % views of real channel i / views, and its tap (fy, fx) is the real tap
// (strideH * (3 * splitY + fy) + phaseY, likewise x), zero past the kernel's edge.
//   G = [  1    0    0 ]
//       [1/2  1/2  1/2 ]
//       [1/2 -1/2  1/2 ]
//       [  0    0    1 ]
// Threads: one per (group, block, reduction channel, 4 output channels of the block), which writes
// each component for its 4 channels as one vec4.

struct Params {
  total: u32,        // threads: groups * blocks * groupI * 4
  blocks: u32,       // 16-channel blocks per group
  groupO: u32,       // output channels per group (of the convolution the product computes)
  groupI: u32,       // reduction channels per group (views of the real ones)
  views: u32,        // 3x3 views per real reduction channel: strideH * strideW * splitsH * splitsW
  kH: u32, kW: u32,  // the real kernel
  strideH: u32, strideW: u32,
  splitsW: u32,      // 3-tap pieces of a phase's columns: ceil(ceil(kW / strideW) / 3)
  strideGroup: u32,  // source strides of a group, an output channel and a real reduction channel
  strideO: u32,
  strideI: u32,
  flip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> u: array<vec4<f32>>;

override WG: u32 = 256;

/** One row of a view's 3 taps in a channel pair's real kernel: offsets from the pair's first weight,
 * and which lie inside the kernel (the rest read as zero). */
struct TapRow { at: vec3<u32>, inside: vec3<bool> }

/** Row fy of the view whose tap (0, 0) is the real tap `first` (x, y). */
fn tapRow(first: vec2<u32>, fy: u32) -> TapRow {
  let ky = first.y + p.strideH * fy;
  let kx = vec3<u32>(first.x) + vec3<u32>(0u, 1u, 2u) * p.strideW;
  let inside = (kx < vec3<u32>(p.kW)) & vec3<bool>(ky < p.kH);
  // Clamped into the kernel where outside (the value is then dropped), reversed with flip.
  let y = min(ky, p.kH - 1u);
  let x = min(kx, vec3<u32>(p.kW - 1u));
  let at = select(vec3<u32>(y * p.kW) + x, vec3<u32>((p.kH - 1u - y) * p.kW) + (vec3<u32>(p.kW - 1u) - x), p.flip != 0u);
  return TapRow(at, inside);
}

struct Taps { r0: TapRow, r1: TapRow, r2: TapRow }

/** The taps of reduction channel i: view i % views of real channel i / views. Computed once per
 * thread, for its 4 output channels. */
fn viewTaps(i: u32) -> Taps {
  let index = i % p.views;
  let phaseX = index % p.strideW;
  var rest = index / p.strideW;
  let phaseY = rest % p.strideH;
  rest /= p.strideH;
  let first = vec2<u32>(p.strideW * 3u * (rest % p.splitsW) + phaseX, p.strideH * 3u * (rest / p.splitsW) + phaseY);
  return Taps(tapRow(first, 0u), tapRow(first, 1u), tapRow(first, 2u));
}

/** The 3 weights of a row of taps, from the channel pair's first weight at `source`. */
fn weights3(source: u32, row: TapRow) -> vec3<f32> {
  return select(vec3<f32>(0.0), vec3<f32>(w[source + row.at.x], w[source + row.at.y], w[source + row.at.z]), row.inside);
}

/** G times the 3 taps of one row of G g: that row of U. */
fn transformRow(e: vec3<f32>) -> vec4<f32> {
  return vec4<f32>(e.x, 0.5 * (e.x + e.y + e.z), 0.5 * (e.x - e.y + e.z), e.z);
}

/** U of output channel o (zero past the group's last one) and reduction channel i: column r = row r. */
fn transform(g: u32, o: u32, i: u32, taps: Taps) -> mat4x4<f32> {
  let source = g * p.strideGroup + min(o, p.groupO - 1u) * p.strideO + (i / p.views) * p.strideI;
  let keep = select(0.0, 1.0, o < p.groupO);
  let g0 = keep * weights3(source, taps.r0);
  let g1 = keep * weights3(source, taps.r1);
  let g2 = keep * weights3(source, taps.r2);
  // G g, whose rows are combinations of g's rows; then each of its rows times G^T.
  return mat4x4<f32>(transformRow(g0), transformRow(0.5 * (g0 + g1 + g2)), transformRow(0.5 * (g0 - g1 + g2)), transformRow(g2));
}

/** Stores row r of U for 4 channels (one column each of `rows`): components 4r .. 4r + 3, as vec4s. */
fn storeRow(at: u32, rows: mat4x4<f32>) {
  let components = transpose(rows);
  u[at] = components[0];
  u[at + 4u] = components[1];
  u[at + 8u] = components[2];
  u[at + 12u] = components[3];
}

// Written out rather than looped: on SwiftShader an array indexed by a loop variable lives in
// memory, not registers.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let quad = t % 4u;
  var r = t / 4u;
  let i = r % p.groupI;
  r /= p.groupI;
  let outBlock = r % p.blocks;
  let g = r / p.blocks;
  let o = outBlock * 16u + quad * 4u;

  let taps = viewTaps(i);
  let a = transform(g, o, i, taps);
  let b = transform(g, o + 1u, i, taps);
  let c = transform(g, o + 2u, i, taps);
  let d = transform(g, o + 3u, i, taps);
  // Component xi = 4 * row + column: vec4 (xi * 4 + quad) of the pair's 64.
  let at = ((g * p.blocks + outBlock) * p.groupI + i) * 64u + quad;
  storeRow(at, mat4x4<f32>(a[0], b[0], c[0], d[0]));
  storeRow(at + 16u, mat4x4<f32>(a[1], b[1], c[1], d[1]));
  storeRow(at + 32u, mat4x4<f32>(a[2], b[2], c[2], d[2]));
  storeRow(at + 48u, mat4x4<f32>(a[3], b[3], c[3], d[3]));
}
