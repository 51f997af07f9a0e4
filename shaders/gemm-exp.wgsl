// experiment: streaming sums. variant 0: vec4 loads; 1: scalar loads x4; 2: scalar loads x1 per iter (4x iters)
struct Params { n: u32, k: u32, variant: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
override WG: u32 = 64;
override V: u32 = 0;
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.n) { return; }
  let k4 = params.k / 4u;
  var acc = vec4f(0.0);
  if (V == 0u) {
    let r0 = t * k4;
    for (var p = 0u; p < k4; p++) { acc += a[r0 + p]; }
  } else if (V == 1u) {
    let r0 = t * params.k;
    for (var p = 0u; p < params.k; p += 4u) { acc += vec4f(b[r0 + p], b[r0 + p + 1u], b[r0 + p + 2u], b[r0 + p + 3u]); }
  } else {
    let r0 = t * params.k;
    for (var p = 0u; p < params.k; p++) { acc.x += b[r0 + p]; }
  }
  y[t] = acc.x + acc.y + acc.z + acc.w;
}
