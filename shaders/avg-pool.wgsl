// AveragePool (ONNX, NCHW). Each thread computes 4 horizontally adjacent outputs of one output
// row: thread t -> plane p, output row oh, outputs ow = 4 * segment + (0, 1, 2, 3) (vec4 lanes).
// Each window's sum over its taps inside the input is divided by its count: the taps inside the
// input, or with includePad the taps inside the padded input [-padT, inH + padB) x
// [-padL, inW + padR) (a ceilMode window hanging past the end padding counts less).

struct Params {
  planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, padB: i32, padR: i32, dH: i32, dW: i32,
  includePad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

// The taps k in [lo, hi) (0 <= k < taps) for which start + k * step lies in [0, size).
fn tapRange(start: i32, taps: i32, step: i32, size: i32) -> vec2<i32> {
  let lo = select(0, (step - 1 - start) / step, start < 0);
  let hi = min(taps, (size - start + step - 1) / step);
  return vec2(lo, max(lo, hi));
}

// How many taps of the window starting at `start` the average divides by.
fn count(start: i32, taps: i32, step: i32, size: i32, padBegin: i32, padEnd: i32) -> i32 {
  let extra = select(0, padBegin, params.includePad != 0u);
  let r = tapRange(start + extra, taps, step, size + extra + select(0, padEnd, params.includePad != 0u));
  return r.y - r.x;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.outH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * outH + oh
  let oh = row % params.outH;
  let plane = row / params.outH;

  let h0 = oh * params.sH - params.padT;
  let rows = tapRange(h0, params.kH, params.dH, params.inH);
  let ow = 4 * segment + vec4(0, 1, 2, 3);
  let live = ow < vec4(params.outW);
  let w0 = ow * params.sW - params.padL;
  let planeBase = plane * params.inH * params.inW;

  var sum = vec4(0.0);
  for (var kh = rows.x; kh < rows.y; kh++) {
    let rowBase = planeBase + (h0 + kh * params.dH) * params.inW;
    for (var kw = 0; kw < params.kW; kw++) {
      let w = w0 + kw * params.dW;
      let inside = live & (w >= vec4(0)) & (w < vec4(params.inW));
      let i = rowBase + clamp(w, vec4(0), vec4(params.inW - 1));
      sum += select(vec4(0.0), vec4(x[i.x], x[i.y], x[i.z], x[i.w]), inside);
    }
  }

  let countH = count(h0, params.kH, params.dH, params.inH, params.padT, params.padB);
  let o = row * params.outW + 4 * segment;
  for (var k = 0; k < 4; k++) {
    if (live[k]) {
      let countW = count(w0[k], params.kW, params.dW, params.inW, params.padL, params.padR);
      y[o + k] = sum[k] / f32(countH * countW);
    }
  }
}
