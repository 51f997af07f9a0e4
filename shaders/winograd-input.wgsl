// Winograd F(2x2, 3x3), step 2 of 4: cuts each input channel into overlapping 4x4 patches, one per
// 2x2 tile of output pixels (patches step by 2; padding reads as zero), and transforms each,
// V = B^T d B, into the 16 components the product multiplies:
//   v[n][xi][c][tile], tiles row-major over the output map, padded with zeros to `paddedTiles`
//   (a multiple of 16, so that the product reads 16 tiles as 4 aligned vec4s).
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
// Threads: one per (image, input channel, padded tile).

struct Params {
  C: u32, H: u32, W: u32,        // input channels and size (of one image)
  padTop: i32, padLeft: i32,
  tilesW: u32,                   // tiles per row of the output map: ceil(Wo / 2)
  tiles: u32,                    // tiles per output map
  paddedTiles: u32,              // tiles rounded up to a multiple of 16
  total: u32,                    // threads: images * C * paddedTiles
  xSkip: u32,                    // elements before the first image in the bound range of x
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;

override WG: u32 = 64;

/** B^T times the column (a, b, c, d). */
fn fold(d: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(d.x - d.z, d.y + d.z, d.z - d.y, d.y - d.w);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let tile = t % p.paddedTiles;
  let r = t / p.paddedTiles;
  let c = r % p.C;
  let n = r / p.C;

  // The patch, row by row (zero past the map and in the padding tiles).
  var d: array<vec4<f32>, 4>;
  if (tile < p.tiles) {
    let iy0 = i32(tile / p.tilesW) * 2 - p.padTop;
    let ix0 = i32(tile % p.tilesW) * 2 - p.padLeft;
    let plane = p.xSkip + (n * p.C + c) * p.H * p.W;
    for (var row = 0; row < 4; row++) {
      let iy = iy0 + row;
      for (var col = 0; col < 4; col++) {
        let ix = ix0 + col;
        let inside = iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W);
        d[row][col] = select(0.0, x[plane + u32(select(0, iy * i32(p.W) + ix, inside))], inside);
      }
    }
  }
  // B^T d (each column folded), then (B^T d) B (each row folded).
  let columns = array<vec4<f32>, 4>(
    fold(vec4<f32>(d[0].x, d[1].x, d[2].x, d[3].x)), fold(vec4<f32>(d[0].y, d[1].y, d[2].y, d[3].y)),
    fold(vec4<f32>(d[0].z, d[1].z, d[2].z, d[3].z)), fold(vec4<f32>(d[0].w, d[1].w, d[2].w, d[3].w)));
  let stride = p.C * p.paddedTiles;
  var at = (n * 16u * p.C + c) * p.paddedTiles + tile;
  for (var row = 0u; row < 4u; row++) {
    let folded = fold(vec4<f32>(columns[0][row], columns[1][row], columns[2][row], columns[3][row]));
    v[at] = folded.x;
    v[at + stride] = folded.y;
    v[at + 2u * stride] = folded.z;
    v[at + 3u * stride] = folded.w;
    at += 4u * stride;
  }
}
