// Winograd F(2x2, 3x3), step 3 of 4: for each of the 16 components xi, a matrix product over the
// reduction channels of the transformed weights (winograd-weights.wgsl) and the transformed input
// patches (winograd-input.wgsl):
//   m[n][xi][o][tile] = sum over reduction channels i of o's group of u[g][xi][o][i] * v[n][xi][i][tile]
// This is where the work is: 16 multiply-adds per tile of 4 output pixels and channel pair, where a
// direct 3x3 convolution does 36.
// Threads: one per (image, group, block of 16 output channels, component, 16 tiles), each keeping
// its 16 x 16 sums in registers as conv2d.wgsl does (one mat4x4 of 16 channels per tile). Unlike
// conv2d.wgsl every load is aligned and contiguous: 4 vec4s of weights and 4 vec4s of patches.

struct Params {
  C: u32,                        // input channels (all groups): v's channel count
  M: u32,                        // output channels (all groups): m's channel count
  groups: u32,
  groupC: u32,                   // reduction channels per group
  groupM: u32,                   // output channels per group
  blocks: u32,                   // 16-channel blocks per group: ceil(groupM / 16)
  paddedTiles: u32,              // tiles per map, a multiple of 16
  threads: u32,                  // images * groups * blocks * 16 * paddedTiles / 16
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> m: array<vec4<f32>>;

override WG: u32 = 16;

alias Tile = array<mat4x4<f32>, 16>;

/** acc[q] += W * patch q, for the 16 patches of one channel (4 vec4s from vec4 index at). */
fn step(acc: ptr<function, Tile>, W: mat4x4<f32>, at: u32) {
  let a = v[at];
  let b = v[at + 1u];
  let c = v[at + 2u];
  let d = v[at + 3u];
  (*acc)[0] += W * a.x;
  (*acc)[1] += W * a.y;
  (*acc)[2] += W * a.z;
  (*acc)[3] += W * a.w;
  (*acc)[4] += W * b.x;
  (*acc)[5] += W * b.y;
  (*acc)[6] += W * b.z;
  (*acc)[7] += W * b.w;
  (*acc)[8] += W * c.x;
  (*acc)[9] += W * c.y;
  (*acc)[10] += W * c.z;
  (*acc)[11] += W * c.w;
  (*acc)[12] += W * d.x;
  (*acc)[13] += W * d.y;
  (*acc)[14] += W * d.z;
  (*acc)[15] += W * d.w;
}

/** The 16 transformed weights of one reduction channel (from vec4 index at) as a matrix. */
fn weights(at: u32) -> mat4x4<f32> {
  return mat4x4<f32>(u[at], u[at + 1u], u[at + 2u], u[at + 3u]);
}

/** Writes channel row `k` of column `j` of the 16 tiles' sums: 16 tiles of one channel as 4 vec4s. */
fn store(acc: ptr<function, Tile>, at: u32, j: u32, k: u32) {
  m[at] = vec4<f32>((*acc)[0][j][k], (*acc)[1][j][k], (*acc)[2][j][k], (*acc)[3][j][k]);
  m[at + 1u] = vec4<f32>((*acc)[4][j][k], (*acc)[5][j][k], (*acc)[6][j][k], (*acc)[7][j][k]);
  m[at + 2u] = vec4<f32>((*acc)[8][j][k], (*acc)[9][j][k], (*acc)[10][j][k], (*acc)[11][j][k]);
  m[at + 3u] = vec4<f32>((*acc)[12][j][k], (*acc)[13][j][k], (*acc)[14][j][k], (*acc)[15][j][k]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.threads) { return; }
  let quads = p.paddedTiles / 4u;          // vec4s per channel of v and m
  let tileGroup = t % (p.paddedTiles / 16u);
  var r = t / (p.paddedTiles / 16u);
  let xi = r % 16u;
  r /= 16u;
  let outBlock = r % p.blocks;
  r /= p.blocks;
  let g = r % p.groups;
  let n = r / p.groups;

  var ui = (((g * p.blocks + outBlock) * 16u + xi) * p.groupC) * 4u;
  var vi = ((n * 16u + xi) * p.C + g * p.groupC) * quads + tileGroup * 4u;
  var acc: Tile;
  var c = 0u;
  for (; c + 2u <= p.groupC; c += 2u) {
    step(&acc, weights(ui), vi);
    step(&acc, weights(ui + 4u), vi + quads);
    ui += 8u;
    vi += 2u * quads;
  }
  if (c < p.groupC) {
    step(&acc, weights(ui), vi);
  }

  // Output channel o = block * 16 + 4j + k is row k of column j of every tile's matrix.
  let first = g * p.groupM + outBlock * 16u;
  let last = (g + 1u) * p.groupM;
  let base = ((n * 16u + xi) * p.M) * quads + tileGroup * 4u;
  for (var j = 0u; j < 4u; j++) {
    for (var k = 0u; k < 4u; k++) {
      let o = first + 4u * j + k;
      if (o < last) { store(&acc, base + o * quads, j, k); }
    }
  }
}
