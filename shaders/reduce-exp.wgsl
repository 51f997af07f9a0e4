// experiment (temporary)
struct Params { n: u32, base: u32, outOffset: u32, scale: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
override WG: u32 = 256;
override STEPS: u32 = 4;
override TREE: u32 = 1;
override CONTIG: u32 = 0;
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
      var i = params.base + start + s * 4u * WG + lid * 4u;
      if (CONTIG == 1u) { i = params.base + start + lid * 4u * STEPS + s * 4u; }
      acc += vec4f(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);
    }
  } else {
    for (var s = 0u; s < STEPS; s++) {
      let i = start + s * 4u * WG + lid * 4u;
      var v = vec4f(0);
      if (i < params.n) { v.x = x[params.base + i]; }
      if (i + 1u < params.n) { v.y = x[params.base + i + 1u]; }
      if (i + 2u < params.n) { v.z = x[params.base + i + 2u]; }
      if (i + 3u < params.n) { v.w = x[params.base + i + 3u]; }
      acc += v;
    }
  }
  let t = (acc.x + acc.y) + (acc.z + acc.w);
  if (TREE == 0u) { out[w * WG + lid] = t; return; }
  partial[lid] = t;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[params.outOffset + w] = partial[0] * params.scale; }
}
