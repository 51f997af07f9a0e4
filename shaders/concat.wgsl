// Block copy for concat and split: a block of `rows` rows of `row_len` elements moves from src
// (rows `src_stride` apart, starting at `src_off`) to dst (rows `dst_stride` apart, from
// `dst_off`). Concatenating along an axis copies each input into its slab of every outer row;
// splitting copies the other way. Elements are moved as i32, so float bits (NaN payloads
// included) and int tensors alike are copied exactly.
// Thread mapping: one thread per 4 consecutive elements of the block (row-major).

struct Params {
  rows: u32, row_len: u32,
  src_stride: u32, src_off: u32,
  dst_stride: u32, dst_off: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<i32>;
@group(0) @binding(2) var<storage, read_write> dst: array<i32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var q = 0u; q < 4u; q++) {
    let i = first + q;
    if (i >= params.rows * params.row_len) { return; }
    let row = i / params.row_len;
    let col = i % params.row_len;
    dst[params.dst_off + row * params.dst_stride + col] = src[params.src_off + row * params.src_stride + col];
  }
}
