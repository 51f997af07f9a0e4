// Winograd F(2x2, 3x3), step 4 of 4: turns each tile's 16 products (winograd-product.wgsl) back
// into its 2x2 output pixels, Y = A^T m A, adds the bias and writes those inside the output map.
//   A^T = [1  1  1  0]
//         [0  1 -1 -1]
// Threads: one per (image, output channel, 4 consecutive padded tiles), which reads each component
// for its 4 tiles as one vec4.

struct Params {
  M: u32, Ho: u32, Wo: u32,      // output channels and size (of one image)
  tilesW: u32,                   // tiles per row: ceil(Wo / 2)
  tiles: u32,                    // tiles per map
  paddedTiles: u32,              // tiles per map in m, a multiple of 16
  total: u32,                    // threads: images * M * paddedTiles / 4
  hasBias: u32,
  ySkip: u32,                    // elements before the first image in the bound range of y
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

/** Row `row` of 4 tiles' 4 x 4 products: column k = tile k's row (components 4 * row ..). */
fn productRows(at: u32, row: u32) -> mat4x4<f32> {
  let first = at + 16u * row;
  return transpose(mat4x4<f32>(m[first], m[first + 4u], m[first + 8u], m[first + 12u]));
}

/** A^T times the four values of one row of A^T m: its 2 output pixels. */
fn transformRow(s: vec4<f32>) -> vec2<f32> {
  return vec2<f32>(s.x + s.y + s.z, s.y - s.z - s.w);
}

/** Output tile `tile` from its 4 rows of products, plus the bias b, written where inside the map. */
fn store(yBase: u32, tile: u32, m0: vec4<f32>, m1: vec4<f32>, m2: vec4<f32>, m3: vec4<f32>, b: vec2<f32>) {
  if (tile >= p.tiles) { return; }
  // A^T m, whose rows are sums of m's rows; then each of its two rows times A.
  let top = transformRow(m0 + m1 + m2) + b;
  let bottom = transformRow(m1 - m2 - m3) + b;
  let oy = (tile / p.tilesW) * 2u;
  let ox = (tile % p.tilesW) * 2u;
  let at = yBase + oy * p.Wo + ox;
  let right = ox + 1u < p.Wo;
  y[at] = top.x;
  if (right) { y[at + 1u] = top.y; }
  if (oy + 1u < p.Ho) {
    y[at + p.Wo] = bottom.x;
    if (right) { y[at + p.Wo + 1u] = bottom.y; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let quads = p.paddedTiles / 4u;
  let quad = t % quads;
  let r = t / quads;
  let o = r % p.M;
  let n = r / p.M;

  // m[n][tile / 16][o][xi][tile % 16] (see winograd-product.wgsl), as vec4s of 4 tiles.
  let at = ((n * (p.paddedTiles / 16u) + quad / 4u) * p.M + o) * 64u + quad % 4u;
  let r0 = productRows(at, 0u);
  let r1 = productRows(at, 1u);
  let r2 = productRows(at, 2u);
  let r3 = productRows(at, 3u);
  let b = vec2<f32>(select(0.0, bias[o], p.hasBias != 0u));
  let yBase = p.ySkip + (n * p.M + o) * p.Ho * p.Wo;
  let first = quad * 4u;
  store(yBase, first, r0[0], r1[0], r2[0], r3[0], b);
  store(yBase, first + 1u, r0[1], r1[1], r2[1], r3[1], b);
  store(yBase, first + 2u, r0[2], r1[2], r2[2], r3[2], b);
  store(yBase, first + 3u, r0[3], r1[3], r2[3], r3[3], b);
}
