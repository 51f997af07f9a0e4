// Winograd F(2x2, 3x3), step 2 of 4: cuts each input channel into overlapping 4x4 patches, one per
// 2x2 tile of output pixels (patches step by 2; padding reads as zero), and transforms each,
// V = B^T d B, into the 16 components the product multiplies:
//   v[n][tile / 16][c][xi][tile % 16], tiles row-major over the output map, padded with zeros to
//   `paddedTiles` (a multiple of 16): the product reads 16 tiles of one component as 4 aligned
//   vec4s, and a patch's 16 components lie within 1 KiB.
//   B^T = [1  0 -1  0]
//         [0  1  1  0]
//         [0 -1  1  0]
//         [0  1  0 -1]
// A strided or larger kernel is read as several 3x3 ones (see src/ops/winograd.ts): channel c of v
// is view c % views of real channel c / views, whose patch rows lie strideH rows apart from row
// strideH * (2 * tileRow + 3 * splitY) + phaseY - padTop (likewise columns).
// Threads: one per (image, input channel, 4 consecutive padded tiles), which writes each component
// for its 4 tiles as one vec4.

struct Params {
  C: u32, H: u32, W: u32,        // real input channels and size (of one image)
  padTop: i32, padLeft: i32,
  views: u32,                    // 3x3 views per real channel: strideH * strideW * splitsH * splitsW
  strideH: u32, strideW: u32,
  splitsW: u32,                  // 3-tap pieces of a phase's columns
  tilesW: u32,                   // tiles per row of the output map: ceil(Wo / 2)
  tiles: u32,                    // tiles per output map
  paddedTiles: u32,              // tiles rounded up to a multiple of 16
  total: u32,                    // threads: images * C * views * paddedTiles / 4
  xSkip: u32,                    // elements before the first image in the bound range of x
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<vec4<f32>>;

override WG: u32 = 64;

/**
 * Row iy of the patch: 4 input values from column ix, strideW apart (zero outside the map). No
 * branch: SwiftShader runs both sides of one, so reads past the map are clamped and replaced.
 */
fn patchRow(plane: u32, iy: i32, ix: i32) -> vec4<f32> {
  let cols = vec4<i32>(ix) + vec4<i32>(0, 1, 2, 3) * i32(p.strideW);
  let rowInside = iy >= 0 && iy < i32(p.H);
  let inside = (cols >= vec4<i32>(0)) & (cols < vec4<i32>(i32(p.W))) & vec4<bool>(rowInside);
  let row = plane + u32(clamp(iy, 0, i32(p.H) - 1)) * p.W;
  let at = vec4<u32>(clamp(cols, vec4<i32>(0), vec4<i32>(i32(p.W) - 1))) + vec4<u32>(row);
  return select(vec4<f32>(0.0), vec4<f32>(x[at.x], x[at.y], x[at.z], x[at.w]), inside);
}

/** B^T times the four values of one row of B^T d: that row of V. */
fn transformRow(e: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(e.x - e.z, e.y + e.z, e.z - e.y, e.y - e.w);
}

/** A view's patches: tile (tx, ty)'s starts at origin + step * 2 * (tx, ty), its taps step apart. */
struct View { origin: vec2<i32>, step: vec2<i32> }

/** V of one tile (zero for a padding tile): column r = row r. */
fn transform(plane: u32, view: View, tile: u32) -> mat4x4<f32> {
  let at = view.origin + view.step * vec2<i32>(i32(tile % p.tilesW) * 2, i32(tile / p.tilesW) * 2);
  let d0 = patchRow(plane, at.y, at.x);
  let d1 = patchRow(plane, at.y + view.step.y, at.x);
  let d2 = patchRow(plane, at.y + 2 * view.step.y, at.x);
  let d3 = patchRow(plane, at.y + 3 * view.step.y, at.x);
  // B^T d, whose rows are sums of d's rows; then each of its rows times B.
  let keep = select(0.0, 1.0, tile < p.tiles);
  return keep * mat4x4<f32>(transformRow(d0 - d2), transformRow(d1 + d2), transformRow(d2 - d1), transformRow(d1 - d3));
}

/** Stores row r of V for 4 tiles (one column each of `rows`): components 4r .. 4r + 3, as vec4s. */
fn storeRow(at: u32, rows: mat4x4<f32>) {
  let components = transpose(rows);
  v[at] = components[0];
  v[at + 4u] = components[1];
  v[at + 8u] = components[2];
  v[at + 12u] = components[3];
}

// Written out rather than looped: on SwiftShader an array indexed by a loop variable lives in
// memory, not registers.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let quads = p.paddedTiles / 4u;
  let quad = t % quads;
  let r = t / quads;
  let c = r % (p.C * p.views);
  let n = r / (p.C * p.views);

  // Channel c: view c % views of real channel c / views.
  let index = c % p.views;
  let phaseX = index % p.strideW;
  var rest = index / p.strideW;
  let phaseY = rest % p.strideH;
  rest /= p.strideH;
  let step = vec2<i32>(i32(p.strideW), i32(p.strideH));
  let split = vec2<i32>(i32(rest % p.splitsW), i32(rest / p.splitsW));
  let view = View(step * 3 * split + vec2<i32>(i32(phaseX), i32(phaseY)) - vec2<i32>(p.padLeft, p.padTop), step);

  let plane = p.xSkip + (n * p.C + c / p.views) * p.H * p.W;
  let first = quad * 4u;
  let a = transform(plane, view, first);
  let b = transform(plane, view, first + 1u);
  let cc = transform(plane, view, first + 2u);
  let d = transform(plane, view, first + 3u);
  // Component xi = 4 * row + column: vec4 (xi * 4 + quad % 4) of the channel's 64 in this group of 16 tiles.
  let at = ((n * (p.paddedTiles / 16u) + quad / 4u) * p.C * p.views + c) * 64u + quad % 4u;
  storeRow(at, mat4x4<f32>(a[0], b[0], cc[0], d[0]));
  storeRow(at + 16u, mat4x4<f32>(a[1], b[1], cc[1], d[1]));
  storeRow(at + 32u, mat4x4<f32>(a[2], b[2], cc[2], d[2]));
  storeRow(at + 48u, mat4x4<f32>(a[3], b[3], cc[3], d[3]));
}
