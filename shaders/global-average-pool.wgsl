// GlobalAveragePool (ONNX, NCHW): y[p] = mean of plane p of x. One thread per plane, summing
// with four independent partial sums (more arithmetic in flight, and less rounding error).

struct Params { planes: u32, size: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = (wid.x + wid.y * nwg.x) * WG + lid;
  if (p >= params.planes) { return; }
  let base = p * params.size;
  let whole = params.size & ~3u;
  var sums = vec4(0.0);
  for (var i = 0u; i < whole; i += 4u) {
    sums += vec4(x[base + i], x[base + i + 1u], x[base + i + 2u], x[base + i + 3u]);
  }
  for (var i = whole; i < params.size; i++) { sums.x += x[base + i]; }
  y[p] = (sums.x + sums.y + sums.z + sums.w) / f32(params.size);
}
