// ONNX LRN across channels (NCHW):
//   y[c] = x[c] / (bias + alpha / size * sum_{j = c - lo}^{c + hi} x[j]^2)^beta,
// lo = floor((size - 1) / 2), hi = ceil((size - 1) / 2), the window clipped to [0, C).
// Thread mapping: one thread per pixel and block of 4 channels (consecutive threads take
// consecutive pixels of the same block). The thread walks the union of its 4 windows once,
// loading each x[j] once and adding its square to every output whose window holds j.
// A tensor too large to bind whole is done in windows of whole images (`offset` locates them).

struct Params {
  channels: u32, pixels: u32, // C and H * W
  blocks: u32,                // ceil(C / 4)
  total: u32,                 // images * blocks * pixels: the number of threads
  offset: u32,                // where the first image starts in the bound ranges
  lo: i32, hi: i32,
  alphaOverSize: f32, beta: f32, bias: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

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
    // Output c's window holds j when c - lo <= j <= c + hi.
    let holds = (outputs >= vec4i(j - params.hi)) & (outputs <= vec4i(j + params.lo));
    sums += select(vec4f(0.0), vec4f(v * v), holds);
    centers = select(centers, vec4f(v), outputs == vec4i(j));
  }
  let scales = pow(params.bias + params.alphaOverSize * sums, vec4f(-params.beta));
  for (var q = 0; q < 4; q++) {
    if (c0 + q < channels) { y[base + u32(c0 + q) * params.pixels] = centers[q] * scales[q]; }
  }
}
