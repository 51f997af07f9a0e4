// dst = src, as vec4s: the bandwidth probe that memory-bound kernels are measured against.
// Each workgroup copies a block of WG * PER_THREAD vec4s; within the block, thread `lid` copies
// vec4s lid, lid + WG, lid + 2 WG, ... so neighbouring threads touch neighbouring memory.

struct Params { n4: u32 } // number of vec4s

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

override WG: u32 = 256;
override PER_THREAD: u32 = 16;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = (wid.x + wid.y * nwg.x) * WG * PER_THREAD + lid;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = first + k * WG;
    if (i < params.n4) { dst[i] = src[i]; }
  }
}
