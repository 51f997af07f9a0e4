// First pass of LRN's backward: u[c] = dy[c] * x[c] * d[c]^(-beta - 1), with
// d[c] = bias + alpha / size * sum_{j = c - lo}^{c + hi} x[j]^2 recomputed as in lrn.wgsl.
// lrn-backward.wgsl then sums u over the channels whose window holds each input channel.
// Thread mapping: as lrn.wgsl, one thread per pixel and block of 4 channels.

struct Params {
  channels: u32, pixels: u32,
  blocks: u32,
  total: u32,
  offset: u32,
  lo: i32, hi: i32,
  alphaOverSize: f32, beta: f32, bias: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> u: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.total) { return; }
  let pixel = t % params.pixels;
  let chunk = (t / params.pixels) % params.blocks;
  let batch = t / (params.pixels * params.blocks);
  let channels = i32(params.channels);
  let c0 = i32(chunk) * 4;
  let outputs = vec4i(c0, c0 + 1, c0 + 2, c0 + 3);
  let base = params.offset + batch * params.channels * params.pixels + pixel;

  var sums = vec4f(0.0);
  var centers = vec4f(0.0);
  for (var j = max(c0 - params.lo, 0); j <= min(c0 + 3 + params.hi, channels - 1); j++) {
    let v = x[base + u32(j) * params.pixels];
    let holds = (outputs >= vec4i(j - params.hi)) & (outputs <= vec4i(j + params.lo));
    sums += select(vec4f(0.0), vec4f(v * v), holds);
    centers = select(centers, vec4f(v), outputs == vec4i(j));
  }
  let factors = pow(params.bias + params.alphaOverSize * sums, vec4f(-params.beta - 1.0));
  for (var q = 0; q < 4; q++) {
    if (c0 + q < channels) {
      let at = base + u32(c0 + q) * params.pixels;
      u[at] = dy[at] * centers[q] * factors[q];
    }
  }
}
