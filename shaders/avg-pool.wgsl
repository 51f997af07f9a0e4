// AveragePool (ONNX, NCHW), a block of at most 3x3 window taps per pass. Each thread computes 4
// horizontally adjacent outputs of one output row: thread t -> plane p, output row oh, outputs
// ow = 4 * segment + (0, 1, 2, 3) (the vec4 lanes; lanes past the row's end repeat its last
// output). A pass adds a block of BH x BW window taps (the overrides, as in max-pool.wgsl),
// kh in 3 * blockH + [0, BH), kw in 3 * blockW + [0, BW), those inside the input; windows up to
// 3x3 take one pass, larger windows add each pass's share to the previous pass's y. No loop: see
// max-pool.wgsl.
// The divisor is the window's taps inside the input, or with includePad its taps inside the
// padded input [-padT, inH + padB) x [-padL, inW + padR) (a ceilMode window hanging past the end
// padding counts less).

struct Params {
  planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, padB: i32, padR: i32, dH: i32, dW: i32,
  includePad: u32, blockH: i32, blockW: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;
override BH: i32 = 3; // tap rows per pass
override BW: i32 = 3; // tap columns per pass

// The taps at flat indices i, or 0 where not `real` (a tap inside the window and the input).
fn tap(i: vec4<i32>, real: vec4<bool>) -> vec4<f32> {
  return select(vec4(0.0), vec4(x[i.x], x[i.y], x[i.z], x[i.w]), real);
}

// How many of the taps start + k * step (0 <= k < taps) lie in [lo, hi). The quotients are of
// small integers, exact in f32 (and a float division is far cheaper than an integer one on a CPU).
fn tapCount(start: vec4<i32>, taps: i32, step: i32, lo: i32, hi: i32) -> vec4<f32> {
  let first = max(vec4(0.0), ceil(vec4<f32>(lo - start) / f32(step)));
  let last = min(vec4(f32(taps - 1)), floor(vec4<f32>(hi - 1 - start) / f32(step)));
  return max(vec4(0.0), last - first + 1.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.outH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * outH + oh
  let oh = row % params.outH;
  let plane = row / params.outH;

  let ow = min(4 * segment + vec4(0, 1, 2, 3), vec4(params.outW - 1));
  let startH = oh * params.sH - params.padT; // where the windows start
  let startW = ow * params.sW - params.padL;
  let h0 = startH + 3 * params.blockH * params.dH; // where this pass's block starts
  let w0 = startW + 3 * params.blockW * params.dW;
  let planeBase = plane * params.inH * params.inW;

  // As in max-pool.wgsl: the block's rows and columns, clamped, and whether each is a real tap.
  let h1 = h0 + params.dH;
  let h2 = h1 + params.dH;
  let kh = 3 * params.blockH;
  let okH0 = vec4(h0 >= 0 && h0 < params.inH && kh < params.kH);
  let okH1 = vec4(h1 >= 0 && h1 < params.inH && kh + 1 < params.kH);
  let okH2 = vec4(h2 >= 0 && h2 < params.inH && kh + 2 < params.kH);
  let r0 = planeBase + clamp(h0, 0, params.inH - 1) * params.inW;
  let r1 = planeBase + clamp(h1, 0, params.inH - 1) * params.inW;
  let r2 = planeBase + clamp(h2, 0, params.inH - 1) * params.inW;
  let w1 = w0 + params.dW;
  let w2 = w1 + params.dW;
  let kw = 3 * params.blockW;
  let zero = vec4(0);
  let width = vec4(params.inW);
  let okW0 = (w0 >= zero) & (w0 < width) & vec4(kw < params.kW);
  let okW1 = (w1 >= zero) & (w1 < width) & vec4(kw + 1 < params.kW);
  let okW2 = (w2 >= zero) & (w2 < width) & vec4(kw + 2 < params.kW);
  let c0 = clamp(w0, zero, width - 1);
  let c1 = clamp(w1, zero, width - 1);
  let c2 = clamp(w2, zero, width - 1);

  var sum = tap(r0 + c0, okH0 & okW0);
  if (BW > 1) { sum += tap(r0 + c1, okH0 & okW1); }
  if (BW > 2) { sum += tap(r0 + c2, okH0 & okW2); }
  if (BH > 1) { sum += tap(r1 + c0, okH1 & okW0); }
  if (BH > 1 && BW > 1) { sum += tap(r1 + c1, okH1 & okW1); }
  if (BH > 1 && BW > 2) { sum += tap(r1 + c2, okH1 & okW2); }
  if (BH > 2) { sum += tap(r2 + c0, okH2 & okW0); }
  if (BH > 2 && BW > 1) { sum += tap(r2 + c1, okH2 & okW1); }
  if (BH > 2 && BW > 2) { sum += tap(r2 + c2, okH2 & okW2); }

  // The divisor of each window: the product of its tap counts along the two axes.
  let pad = params.includePad != 0u;
  let top = select(0, -params.padT, pad);
  let bottom = params.inH + select(0, params.padB, pad);
  let left = select(0, -params.padL, pad);
  let right = params.inW + select(0, params.padR, pad);
  let count = tapCount(vec4(startH), params.kH, params.dH, top, bottom) * tapCount(startW, params.kW, params.dW, left, right);
  var mean = sum / count;

  let o = row * params.outW + ow;
  if (params.blockH != 0 || params.blockW != 0) {
    mean += vec4(y[o.x], y[o.y], y[o.z], y[o.w]);
  }
  y[o.x] = mean.x; y[o.y] = mean.y; y[o.z] = mean.z; y[o.w] = mean.w;
}
