// dx for ONNX LRN (see lrn.wgsl), given u from lrn-backward-prep.wgsl:
//   dx[i] = dy[i] * d[i]^(-beta) - 2 * alpha / size * beta * x[i] * sum_{c = i - hi}^{i + lo} u[c]
// (x[i] lies in the window of output c exactly when i - hi <= c <= i + lo), d[i] recomputed.
// Thread mapping: as lrn.wgsl, one thread per pixel and block of 4 channels; it walks the union
// of the windows once, loading x[j] and u[j] once each.

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
@group(0) @binding(3) var<storage, read> u: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

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
  let inputs = vec4i(c0, c0 + 1, c0 + 2, c0 + 3);
  let base = params.offset + batch * params.channels * params.pixels + pixel;
  let reach = max(params.lo, params.hi);

  var sums = vec4f(0.0);     // sum of x^2 over input i's own window (for d[i])
  var backward = vec4f(0.0); // sum of u over the outputs whose window holds i
  var centers = vec4f(0.0);
  for (var j = max(c0 - reach, 0); j <= min(c0 + 3 + reach, channels - 1); j++) {
    let at = base + u32(j) * params.pixels;
    let v = x[at];
    let vj = vec4i(j);
    sums += select(vec4f(0.0), vec4f(v * v), (inputs >= vj - params.hi) & (inputs <= vj + params.lo));
    backward += select(vec4f(0.0), vec4f(u[at]), (inputs >= vj - params.lo) & (inputs <= vj + params.hi));
    centers = select(centers, vec4f(v), inputs == vj);
  }
  let scales = pow(params.bias + params.alphaOverSize * sums, vec4f(-params.beta));
  let k = 2.0 * params.alphaOverSize * params.beta;
  for (var q = 0; q < 4; q++) {
    if (c0 + q < channels) {
      let at = base + u32(c0 + q) * params.pixels;
      dx[at] = dy[at] * scales[q] - k * centers[q] * backward[q];
    }
  }
}
