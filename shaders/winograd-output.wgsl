// Winograd F(2x2, 3x3), step 4 of 4: turns each tile's 16 products (winograd-product.wgsl) back
// into its 2x2 output pixels, Y = A^T m A, adds the bias and writes those inside the output map.
//   A^T = [1  1  1  0]
//         [0  1 -1 -1]
// Threads: one per (image, output channel, tile).

struct Params {
  M: u32, Ho: u32, Wo: u32,      // output channels and size (of one image)
  tilesW: u32,                   // tiles per row: ceil(Wo / 2)
  tiles: u32,                    // tiles per map
  paddedTiles: u32,              // tiles per map in m, a multiple of 16
  total: u32,                    // threads: images * M * tiles
  hasBias: u32,
  ySkip: u32,                    // elements before the first image in the bound range of y
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

/** Row `row` of the tile's 4 x 4 products (component xi = 4 * row + column, 16 values apart). */
fn productRow(at: u32, row: u32) -> vec4<f32> {
  let first = at + 64u * row;
  return vec4<f32>(m[first], m[first + 16u], m[first + 32u], m[first + 48u]);
}

/** A^T times the four values of one row of A^T m: its 2 output pixels. */
fn transformRow(s: vec4<f32>) -> vec2<f32> {
  return vec2<f32>(s.x + s.y + s.z, s.y - s.z - s.w);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let tile = t % p.tiles;
  let r = t / p.tiles;
  let o = r % p.M;
  let n = r / p.M;

  // m[n][tile / 16][o][xi][tile % 16] (see winograd-product.wgsl).
  let at = ((n * (p.paddedTiles / 16u) + tile / 16u) * p.M + o) * 256u + tile % 16u;
  let m0 = productRow(at, 0u);
  let m1 = productRow(at, 1u);
  let m2 = productRow(at, 2u);
  let m3 = productRow(at, 3u);
  // A^T m, whose rows are sums of m's rows; then each of its two rows times A.
  let b = vec2<f32>(select(0.0, bias[o], p.hasBias != 0u));
  let top = transformRow(m0 + m1 + m2) + b;
  let bottom = transformRow(m1 - m2 - m3) + b;

  let oy = (tile / p.tilesW) * 2u;
  let ox = (tile % p.tilesW) * 2u;
  let at0 = p.ySkip + (n * p.M + o) * p.Ho * p.Wo + oy * p.Wo + ox;
  let right = ox + 1u < p.Wo;
  y[at0] = top.x;
  if (right) { y[at0 + 1u] = top.y; }
  if (oy + 1u < p.Ho) {
    y[at0 + p.Wo] = bottom.x;
    if (right) { y[at0 + p.Wo + 1u] = bottom.y; }
  }
}
