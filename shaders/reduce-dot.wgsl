// First pass of dot(a, b) = sum of a[i] * b[i]: each thread sums 64 products into one partial,
// with no workgroup memory and no barriers, over the same tiles as reduce.wgsl: workgroup w
// covers TILE = 64 * WG elements from w * TILE; thread t takes STEPS = 16 steps of 4 consecutive
// elements at 4 * t + s * 4 * WG and writes out[outOffset + w * WG + t] (threads with no element
// write nothing). The host sums the partials with reduce.wgsl (OP 0).

struct Params { n: u32, base: u32, outOffset: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
const STEPS = 16u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  let tile = STEPS * 4u * WG;
  let start = w * tile + lid * 4u;
  if (start >= params.n) { return; }

  var acc = vec4f(0.0);
  if (w * tile + tile <= params.n) {
    for (var s = 0u; s < STEPS; s++) {
      let i = params.base + start + s * 4u * WG;
      acc += vec4f(a[i], a[i + 1u], a[i + 2u], a[i + 3u]) * vec4f(b[i], b[i + 1u], b[i + 2u], b[i + 3u]);
    }
  } else {
    for (var s = 0u; s < STEPS; s++) {
      for (var e = 0u; e < 4u; e++) {
        let i = start + s * 4u * WG + e;
        if (i < params.n) { acc[e] += a[params.base + i] * b[params.base + i]; }
      }
    }
  }
  out[params.outOffset + w * WG + lid] = ((acc.x + acc.y) + (acc.z + acc.w)) * params.scale;
}
