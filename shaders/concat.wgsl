// Block copy for concat and split: a block of `rows` rows of `rowLen` elements moves from src
// (rows `srcStride` apart, starting at `srcOff`) to dst (rows `dstStride` apart, from
// `dstOff`). Concatenating along an axis copies each input into its slab of every outer row;
// splitting copies the other way. Elements are moved as i32, so float bits (NaN payloads
// included) and int tensors alike are copied exactly.
// Thread mapping: a 2-D grid; x (with the workgroup) picks 4 consecutive elements of a row,
// y picks the row, and rows past the grid's height are taken by the same threads in turn.

struct Params {
  rows: u32, rowLen: u32,
  srcStride: u32, srcOff: u32,
  dstStride: u32, dstOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<i32>;
@group(0) @binding(2) var<storage, read_write> dst: array<i32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = gid.x * 4u;
  let last = min(first + 4u, params.rowLen);
  for (var row = gid.y; row < params.rows; row += nwg.y) {
    let readAt = params.srcOff + row * params.srcStride;
    let writeAt = params.dstOff + row * params.dstStride;
    for (var i = first; i < last; i++) { dst[writeAt + i] = src[readAt + i]; }
  }
}
