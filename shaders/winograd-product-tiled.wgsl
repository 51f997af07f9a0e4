// Winograd F(2x2, 3x3), step 3 of 4, for GPUs: the same products as winograd-product.wgsl (whose
// layouts it reads and writes), as gemm-tiled.wgsl computes a matrix product:
//   m[n][xi][o][tile] = sum over reduction channels i of o's group of u[g][xi][o][i] * v[n][xi][i][tile]
// Threads: a 16 x 16 workgroup per (image, group, component xi, 64 output channels, 64 tiles). The
// sum goes 16 reduction channels at a time: the workgroup stages the 16 x 64 slices of u (4 blocks
// of 16 channels) and of v (4 groups of 16 tiles) in workgroup memory, four values per thread
// each, and each thread adds the products for its 4 channels x 4 tiles (channels ty + 16i, tiles
// tx + 16j: neighbouring threads touch neighbouring tiles, which lie side by side in v and m).

struct Params {
  C: u32,                        // v's channels (all groups; a strided or wide kernel's views count)
  M: u32,                        // output channels (all groups): m's channel count
  groups: u32,
  groupC: u32,                   // reduction channels per group (likewise)
  groupM: u32,                   // output channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  paddedTiles: u32,              // tiles per map, a multiple of 16
  threads: u32,                  // unused here (winograd-product.wgsl's thread count)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;

const TILE = 64u;   // output channels and tiles per workgroup
const DEPTH = 16u;  // reduction channels staged at a time
/** Values per channel in u, v and m: 16 components of 16 (output channels or tiles). */
const CHANNEL = 256u;

var<workgroup> uTile: array<array<f32, TILE>, DEPTH>;   // [reduction channel][output channel]
var<workgroup> vTile: array<array<f32, TILE>, DEPTH>;   // [reduction channel][tile]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tx = local.x;
  let ty = local.y;
  let tileGroups = p.paddedTiles / 16u;
  // Grid: x = 64-tile tiles, y = 64-channel tiles, z = (image, group, component).
  let tile0 = wid.x * TILE;
  let channel0 = wid.y * TILE;
  let xi = wid.z % 16u;
  let g = (wid.z / 16u) % p.groups;
  let n = wid.z / (16u * p.groups);
  let channels = p.blocks * 16u; // u's output channels per group, zeros past groupM

  var acc: array<vec4<f32>, 4>; // acc[i][j]: channel ty + 16i, tile tx + 16j
  for (var c0 = 0u; c0 < p.groupC; c0 += DEPTH) {
    // Each thread stages 4 values of each slice; 16 neighbouring threads read 16 neighbouring values.
    for (var r = 0u; r < 4u; r++) {
      let e = r * 256u + lid;
      let k = e / TILE;
      let j = e % TILE;
      let c = c0 + k;
      let o = channel0 + j;
      var w = 0.0;
      if (c < p.groupC && o < channels) {
        w = u[((g * p.blocks + o / 16u) * p.groupC + c) * CHANNEL + xi * 16u + o % 16u];
      }
      uTile[k][j] = w;
      let tile = tile0 + j;
      var x = 0.0;
      if (c < p.groupC && tile < p.paddedTiles) {
        x = v[((n * tileGroups + tile / 16u) * p.C + g * p.groupC + c) * CHANNEL + xi * 16u + tile % 16u];
      }
      vTile[k][j] = x;
    }
    workgroupBarrier();
    for (var k = 0u; k < DEPTH; k++) {
      let tiles = vec4<f32>(vTile[k][tx], vTile[k][tx + 16u], vTile[k][tx + 32u], vTile[k][tx + 48u]);
      acc[0] += uTile[k][ty] * tiles;
      acc[1] += uTile[k][ty + 16u] * tiles;
      acc[2] += uTile[k][ty + 32u] * tiles;
      acc[3] += uTile[k][ty + 48u] * tiles;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let o = channel0 + ty + 16u * i;
    if (o >= p.groupM) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let tile = tile0 + tx + 16u * j;
      if (tile < p.paddedTiles) {
        m[((n * tileGroups + tile / 16u) * p.M + g * p.groupM + o) * CHANNEL + xi * 16u + tile % 16u] = acc[i][j];
      }
    }
  }
}
