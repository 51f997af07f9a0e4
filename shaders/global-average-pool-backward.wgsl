// GlobalAveragePool's backward: dx[i] = dy[plane of i] / size, size = H * W. Each thread handles
// 4 consecutive elements.

struct Params { n: u32, size: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  let scale = 1.0 / f32(params.size);
  for (var k = 0u; k < 4u; k++) {
    let i = first + k;
    if (i < params.n) { dx[i] = dy[i / params.size] * scale; }
  }
}
