// A per-pixel sum over the channels of an NCHW tensor, out [N, 1, H, W]:
//   mode 0: sqrt(sum_c x^2)        the Euclidean norm of the pixel's colour (g is not read)
//   mode 1: sum_c |x * g|          Yosinski's contribution of the pixel (g: the gradient)
// Each thread handles 4 consecutive pixels of one image, looping over the channels.

struct Params { images: u32, channels: u32, pixels: u32, quads: u32, mode: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;

// 4 consecutive pixels from p0 (past the end the last one repeats; those lanes are not stored).
fn loadX(base: u32, p0: u32) -> vec4f {
  let last = params.pixels - 1u;
  return vec4f(x[base + min(p0, last)], x[base + min(p0 + 1u, last)], x[base + min(p0 + 2u, last)], x[base + min(p0 + 3u, last)]);
}

fn loadG(base: u32, p0: u32) -> vec4f {
  let last = params.pixels - 1u;
  return vec4f(g[base + min(p0, last)], g[base + min(p0 + 1u, last)], g[base + min(p0 + 2u, last)], g[base + min(p0 + 3u, last)]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= params.images * params.quads) { return; }
  let image = id / params.quads;
  let p0 = (id % params.quads) * 4u;
  var acc = vec4f(0.0);
  for (var c = 0u; c < params.channels; c++) {
    let base = (image * params.channels + c) * params.pixels;
    let v = loadX(base, p0);
    if (params.mode == 0u) {
      acc += v * v;
    } else {
      acc += abs(v * loadG(base, p0));
    }
  }
  if (params.mode == 0u) { acc = sqrt(acc); }
  let at = image * params.pixels + p0;
  for (var t = 0u; t < 4u; t++) {
    if (p0 + t < params.pixels) { out[at + t] = acc[t]; }
  }
}
