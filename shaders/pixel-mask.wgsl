// y = x * mask, with mask [N, 1, H, W] broadcast over the channels of x [N, C, H, W] (used to
// zero out the pixels that Yosinski's norm and contribution criteria clip).
// Each thread handles 4 consecutive pixels of one image: it loads their mask values once and
// applies them to every channel.

struct Params { images: u32, channels: u32, pixels: u32, quads: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= params.images * params.quads) { return; }
  let image = id / params.quads;
  let p0 = (id % params.quads) * 4u;
  let count = min(4u, params.pixels - p0);
  var m = vec4f(0.0);
  for (var t = 0u; t < count; t++) { m[t] = mask[image * params.pixels + p0 + t]; }
  for (var c = 0u; c < params.channels; c++) {
    let base = (image * params.channels + c) * params.pixels + p0;
    for (var t = 0u; t < count; t++) { y[base + t] = x[base + t] * m[t]; }
  }
}
