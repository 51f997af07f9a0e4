// First pass of dot(a, b) = sum of a[i] * b[i], over fixed tiles as in reduce.wgsl: workgroup w
// sums the products in the tile of TILE = 16 * WG elements starting at w * TILE into
// out[outOffset + w]; thread t takes STEPS steps of 4 consecutive elements at 4 * t + s * 4 * WG,
// then the workgroup adds its WG per-thread sums in a workgroup-memory tree. The host sums the
// partials with reduce.wgsl (OP 0).

struct Params { n: u32, base: u32, outOffset: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 256;
const STEPS = 4u;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  let tile = STEPS * 4u * WG;
  let start = w * tile;
  if (start >= params.n) { return; }

  var acc = vec4f(0.0);
  if (start + tile <= params.n) {
    for (var s = 0u; s < STEPS; s++) {
      let i = params.base + start + s * 4u * WG + lid * 4u;
      acc += vec4f(a[i], a[i + 1u], a[i + 2u], a[i + 3u]) * vec4f(b[i], b[i + 1u], b[i + 2u], b[i + 3u]);
    }
  } else {
    for (var s = 0u; s < STEPS; s++) {
      for (var e = 0u; e < 4u; e++) {
        let i = start + s * 4u * WG + lid * 4u + e;
        if (i < params.n) { acc[e] += a[params.base + i] * b[params.base + i]; }
      }
    }
  }
  partial[lid] = (acc.x + acc.y) + (acc.z + acc.w);
  workgroupBarrier();

  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[params.outOffset + w] = partial[0] * params.scale; }
}
