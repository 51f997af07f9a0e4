// Winograd F(2x2, 3x3), step 3 of 4: for each of the 16 components xi, a matrix product over the
// reduction channels of the transformed weights (winograd-weights.wgsl) and the transformed input
// patches (winograd-input.wgsl):
//   m[n][xi][o][tile] = sum over reduction channels i of o's group of u[g][xi][o][i] * v[n][xi][i][tile]
// (stored as m[n][tile / 16][o][xi][tile % 16], the layout winograd-output.wgsl reads from; u and v
// likewise keep a channel's 16 components together).
// This is where the work is: 16 multiply-adds per tile of 4 output pixels and channel pair, where a
// direct 3x3 convolution does 36.
// Threads: one per (image, group, block of 16 output channels, 16 tiles, component: fastest), each keeping
// its 16 x 16 sums in registers as conv2d.wgsl does (one mat4x4 of 16 channels per tile). Unlike
// conv2d.wgsl every load is aligned and contiguous: 4 vec4s of weights and 4 vec4s of patches.

struct Params {
  C: u32,                        // v's channels (all groups; a strided or wide kernel's views count)
  M: u32,                        // output channels (all groups): m's channel count
  groups: u32,
  groupC: u32,                   // reduction channels per group (likewise)
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

/** Components of the transform domain: 4 x 4. */
const COMPONENTS = 16u;
/** vec4s per channel in u, v and m: 16 components of 16 values. */
const CHANNEL = 64u;

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

/**
 * Writes output channels o .. o + 3 (column j of each tile's matrix: a, b, c, d for tiles 4q .. 4q + 3)
 * as a vec4 over the 4 tiles each, at vec4 index at + channel * CHANNEL + q; none past the group.
 */
fn storeColumn(at: u32, o: u32, last: u32, q: u32, a: vec4<f32>, b: vec4<f32>, c: vec4<f32>, d: vec4<f32>) {
  let channels = transpose(mat4x4<f32>(a, b, c, d));
  if (o < last) { m[at + o * CHANNEL + q] = channels[0]; }
  if (o + 1u < last) { m[at + (o + 1u) * CHANNEL + q] = channels[1]; }
  if (o + 2u < last) { m[at + (o + 2u) * CHANNEL + q] = channels[2]; }
  if (o + 3u < last) { m[at + (o + 3u) * CHANNEL + q] = channels[3]; }
}

/** Writes 4 tiles' sums (tiles 4q .. 4q + 3 of the thread's 16, one matrix each) for the block's 16
 * output channels (row k of column j: channel first + 4j + k). Written out: no dynamic index. */
fn storeQuad(at: u32, first: u32, last: u32, q: u32, a: mat4x4<f32>, b: mat4x4<f32>, c: mat4x4<f32>, d: mat4x4<f32>) {
  storeColumn(at, first, last, q, a[0], b[0], c[0], d[0]);
  storeColumn(at, first + 4u, last, q, a[1], b[1], c[1], d[1]);
  storeColumn(at, first + 8u, last, q, a[2], b[2], c[2], d[2]);
  storeColumn(at, first + 12u, last, q, a[3], b[3], c[3], d[3]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.threads) { return; }
  // Component fastest: neighbouring threads then read neighbouring vec4s of u and v.
  let tileGroups = p.paddedTiles / 16u;
  let xi = t % COMPONENTS;
  var r = t / COMPONENTS;
  let tileGroup = r % tileGroups;
  r /= tileGroups;
  let outBlock = r % p.blocks;
  r /= p.blocks;
  let g = r % p.groups;
  let n = r / p.groups;

  // Each channel's 16 components of 16 values (weights: output channels; v and m: tiles) are
  // 64 vec4s; component xi's are vec4s 4 xi .. 4 xi + 3 of them.
  var ui = (g * p.blocks + outBlock) * p.groupC * CHANNEL + xi * 4u;
  var vi = ((n * tileGroups + tileGroup) * p.C + g * p.groupC) * CHANNEL + xi * 4u;
  var acc: Tile;
  var c = 0u;
  for (; c + 2u <= p.groupC; c += 2u) {
    step(&acc, weights(ui), vi);
    step(&acc, weights(ui + CHANNEL), vi + CHANNEL);
    ui += 2u * CHANNEL;
    vi += 2u * CHANNEL;
  }
  if (c < p.groupC) {
    step(&acc, weights(ui), vi);
  }

  let first = g * p.groupM + outBlock * 16u;
  let last = (g + 1u) * p.groupM;
  let at = (n * tileGroups + tileGroup) * p.M * CHANNEL + xi * 4u;
  // Written out rather than looped: a dynamic index into acc would keep it out of registers.
  storeQuad(at, first, last, 0u, acc[0], acc[1], acc[2], acc[3]);
  storeQuad(at, first, last, 1u, acc[4], acc[5], acc[6], acc[7]);
  storeQuad(at, first, last, 2u, acc[8], acc[9], acc[10], acc[11]);
  storeQuad(at, first, last, 3u, acc[12], acc[13], acc[14], acc[15]);
}
