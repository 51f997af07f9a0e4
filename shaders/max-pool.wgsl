// MaxPool with indices (ONNX, NCHW). Each thread computes 4 horizontally adjacent outputs of one
// output row: thread t -> plane p, output row oh, outputs ow = 4 * segment + (0, 1, 2, 3); the four
// lanes of a vec4 are the four outputs.
// Each window is scanned row-major and a tap replaces the running maximum only when strictly
// greater, so ties go to the first maximum; padded taps are skipped, so padding never wins.
// switches holds the flat NCHW index of each maximum in the whole x tensor: planeOffset says which
// plane of the whole tensor this dispatch's plane 0 is (large tensors are pooled in chunks).

struct Params {
  planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  planeOffset: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> switches: array<i32>;

override WG: u32 = 64;

// The taps k in [lo, hi) (0 <= k < taps) for which start + k * step lies in [0, size).
fn tapRange(start: i32, taps: i32, step: i32, size: i32) -> vec2<i32> {
  let lo = select(0, (step - 1 - start) / step, start < 0);
  let hi = min(taps, (size - start + step - 1) / step);
  return vec2(lo, max(lo, hi));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.outH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * outH + oh
  let oh = row % params.outH;
  let plane = row / params.outH;

  // The window's rows are the same for the four outputs: keep only the taps inside the input.
  let h0 = oh * params.sH - params.padT;
  let rows = tapRange(h0, params.kH, params.dH, params.inH);
  let ow = 4 * segment + vec4(0, 1, 2, 3);
  let live = ow < vec4(params.outW);
  let w0 = ow * params.sW - params.padL;
  let planeBase = plane * params.inH * params.inW;

  var best: vec4<f32>;
  var arg: vec4<i32>;
  let lastW = w0.w + (params.kW - 1) * params.dW;
  if (all(live) && rows.x == 0 && rows.y == params.kH && w0.x >= 0 && lastW < params.inW) {
    // The usual case: the four windows lie inside the input, no tap needs a check. The first
    // tap seeds the maximum (scanned again in the loop, harmlessly: it is not strictly greater).
    arg = planeBase + h0 * params.inW + w0;
    best = vec4(x[arg.x], x[arg.y], x[arg.z], x[arg.w]);
    for (var kh = 0; kh < params.kH; kh++) {
      let rowStart = planeBase + (h0 + kh * params.dH) * params.inW + w0;
      for (var kw = 0; kw < params.kW; kw++) {
        let i = rowStart + kw * params.dW;
        let v = vec4(x[i.x], x[i.y], x[i.z], x[i.w]);
        let take = v > best;
        best = select(best, v, take);
        arg = select(arg, i, take);
      }
    }
  } else {
    // Windows at the border (or past the last output): padded taps are skipped.
    best = vec4(0.0);
    arg = vec4(-1); // -1: no tap seen yet
    for (var kh = rows.x; kh < rows.y; kh++) {
      let rowBase = planeBase + (h0 + kh * params.dH) * params.inW;
      for (var kw = 0; kw < params.kW; kw++) {
        let w = w0 + kw * params.dW;
        let inside = live & (w >= vec4(0)) & (w < vec4(params.inW));
        let i = rowBase + clamp(w, vec4(0), vec4(params.inW - 1));
        let v = vec4(x[i.x], x[i.y], x[i.z], x[i.w]);
        let take = inside & ((arg < vec4(0)) | (v > best));
        best = select(best, v, take);
        arg = select(arg, i, take);
      }
    }
  }

  let o = row * params.outW + 4 * segment;
  let global = arg + params.planeOffset * params.inH * params.inW;
  if (all(live)) {
    y[o] = best.x; y[o + 1] = best.y; y[o + 2] = best.z; y[o + 3] = best.w;
    switches[o] = global.x; switches[o + 1] = global.y; switches[o + 2] = global.z; switches[o + 3] = global.w;
  } else {
    for (var k = 0; k < 4; k++) {
      if (live[k]) {
        y[o + k] = best[k];
        switches[o + k] = global[k];
      }
    }
  }
}
