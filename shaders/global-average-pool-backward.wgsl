// GlobalAveragePool's backward: dx = dy / size broadcast over each plane (size = H * W). Each
// thread writes 4 consecutive elements of one plane: thread t -> plane p, elements
// 4 * segment + (0, 1, 2, 3) of it (lanes past the plane's end repeat its last element).

struct Params { planes: u32, size: u32, segments: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.planes * params.segments) { return; }
  let plane = t / params.segments;
  let segment = t - plane * params.segments;
  let i = plane * params.size + min(4u * segment + vec4(0u, 1u, 2u, 3u), vec4(params.size - 1u));
  let g = dy[plane] / f32(params.size);
  dx[i.x] = g; dx[i.y] = g; dx[i.z] = g; dx[i.w] = g;
}
