// Winograd F(2x2, 3x3), step 4 of 4: turns each tile's 16 products (winograd-product.wgsl) back
// into its 2x2 output pixels, Y = A^T m A, adds the bias and writes those inside the output map.
//   A^T = [1 1 1 0; 0 1 -1 -1]
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

/** A^T times the column (a, b, c, d). */
fn fold(d: vec4<f32>) -> vec2<f32> {
  return vec2<f32>(d.x + d.y + d.z, d.y - d.z - d.w);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let tile = t % p.tiles;
  let r = t / p.tiles;
  let o = r % p.M;
  let n = r / p.M;

  // The tile's 16 components, row by row (component xi = 4 * row + column).
  let stride = p.M * p.paddedTiles;
  let at = (n * 16u * p.M + o) * p.paddedTiles + tile;
  var rows: array<vec4<f32>, 4>;
  for (var row = 0u; row < 4u; row++) {
    let first = at + 4u * row * stride;
    rows[row] = vec4<f32>(m[first], m[first + stride], m[first + 2u * stride], m[first + 3u * stride]);
  }
  // A^T m (each column folded), then (A^T m) A (each of the two rows folded).
  let c0 = fold(vec4<f32>(rows[0].x, rows[1].x, rows[2].x, rows[3].x));
  let c1 = fold(vec4<f32>(rows[0].y, rows[1].y, rows[2].y, rows[3].y));
  let c2 = fold(vec4<f32>(rows[0].z, rows[1].z, rows[2].z, rows[3].z));
  let c3 = fold(vec4<f32>(rows[0].w, rows[1].w, rows[2].w, rows[3].w));
  let b = select(0.0, bias[o], p.hasBias != 0u);
  let top = fold(vec4<f32>(c0.x, c1.x, c2.x, c3.x)) + b;
  let bottom = fold(vec4<f32>(c0.y, c1.y, c2.y, c3.y)) + b;

  let oy = (tile / p.tilesW) * 2u;
  let ox = (tile % p.tilesW) * 2u;
  let base = p.ySkip + (n * p.M + o) * p.Ho * p.Wo + oy * p.Wo + ox;
  let right = ox + 1u < p.Wo;
  y[base] = top.x;
  if (right) { y[base + 1u] = top.y; }
  if (oy + 1u < p.Ho) {
    y[base + p.Wo] = bottom.x;
    if (right) { y[base + p.Wo + 1u] = bottom.y; }
  }
}
