// MaxPool with indices (ONNX, NCHW), a block of at most 3x3 window taps per pass. Each thread
// computes 4 horizontally adjacent outputs of one output row: thread t -> plane p, output row oh,
// outputs ow = 4 * segment + (0, 1, 2, 3) (the vec4 lanes; lanes past the row's end repeat its
// last output). A pass visits a block of BH x BW window taps (the overrides, 1 to 3: the kernel's size,
// capped at 3), kh in 3 * blockH + [0, BH), kw in 3 * blockW + [0, BW): windows up to 3x3 take
// one pass; larger windows take several, each merging into the previous pass's y and switches.
// The code has no loop: on a CPU driver (SwiftShader) a loop around the loads costs more than the
// loads. Taps are unrolled instead, those past BH x BW compiled out (the override conditions are
// constants), those past the window or in the padding masked.
// Taps are scanned row-major and replace the running maximum only when strictly greater; passes
// merge by value, then by the smaller index: ties go to the first maximum in row-major order.
// Padded taps never win. switches holds the flat NCHW index in the whole x tensor (planeOffset:
// which plane of it this dispatch's plane 0 is, when large tensors go in chunks of planes).

struct Params {
  planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  planeOffset: i32, blockH: i32, blockW: i32,
  lowest: f32, // -infinity (WGSL has no literal for it)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> switches: array<i32>;

override WG: u32 = 64;
override BH: i32 = 3; // tap rows per pass
override BW: i32 = 3; // tap columns per pass

// The running maximum of four windows (the lanes) and where it is; index -1: no tap seen yet.
struct Best { value: vec4<f32>, index: vec4<i32> }

// Takes the taps at flat indices i where `real` (a tap inside the window and the input), if
// greater than the maximum so far.
fn visit(best: Best, i: vec4<i32>, real: vec4<bool>) -> Best {
  let v = vec4(x[i.x], x[i.y], x[i.z], x[i.w]);
  let take = real & ((v > best.value) | (best.index < vec4(0)));
  return Best(select(best.value, v, take), select(best.index, i, take));
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
  let h0 = oh * params.sH - params.padT + 3 * params.blockH * params.dH;
  let w0 = ow * params.sW - params.padL + 3 * params.blockW * params.dW;
  let planeBase = plane * params.inH * params.inW;

  // The block's three rows (shared by the four outputs) and three columns (one per output lane):
  // a clamped index to read from, and whether the tap is a real one.
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

  var best = Best(vec4(params.lowest), vec4(-1));
  best = visit(best, r0 + c0, okH0 & okW0);
  if (BW > 1) { best = visit(best, r0 + c1, okH0 & okW1); }
  if (BW > 2) { best = visit(best, r0 + c2, okH0 & okW2); }
  if (BH > 1) { best = visit(best, r1 + c0, okH1 & okW0); }
  if (BH > 1 && BW > 1) { best = visit(best, r1 + c1, okH1 & okW1); }
  if (BH > 1 && BW > 2) { best = visit(best, r1 + c2, okH1 & okW2); }
  if (BH > 2) { best = visit(best, r2 + c0, okH2 & okW0); }
  if (BH > 2 && BW > 1) { best = visit(best, r2 + c1, okH2 & okW1); }
  if (BH > 2 && BW > 2) { best = visit(best, r2 + c2, okH2 & okW2); }

  let o = row * params.outW + ow;
  let offset = params.planeOffset * params.inH * params.inW;
  if (params.blockH != 0 || params.blockW != 0) {
    // Merge with the earlier passes: by value, then by the smaller index (index -1: none).
    let value = vec4(y[o.x], y[o.y], y[o.z], y[o.w]);
    let index = vec4(switches[o.x], switches[o.y], switches[o.z], switches[o.w]) - offset;
    let first = (value > best.value) | ((value == best.value) & (index < best.index));
    let keep = (best.index < zero) | ((index >= zero) & first);
    best = Best(select(best.value, value, keep), select(best.index, index, keep));
  }
  let global = best.index + offset;
  y[o.x] = best.value.x; y[o.y] = best.value.y; y[o.z] = best.value.z; y[o.w] = best.value.w;
  switches[o.x] = global.x; switches[o.y] = global.y; switches[o.z] = global.z; switches[o.w] = global.w;
}
