// AveragePool's backward as a gather: dx[e] sums dy[j] / count[j] over the windows j having a tap
// at element e. Each thread computes 4 horizontally adjacent elements of one row of dx:
// thread t -> plane p, row h, columns w = 4 * segment + (0, 1, 2, 3) (vec4 lanes). Only the
// windows that can cover those elements are visited; a window's divisor is computed once per
// window, as in the forward kernel (see avg-pool.wgsl for includePad).

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, inH: i32, inW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, padB: i32, padR: i32, dH: i32, dW: i32,
  includePad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;

// The windows [first, last] along one axis whose span [o * stride - pad, o * stride - pad + reach]
// meets [lo, hi] (lo >= 0).
fn windowRange(lo: i32, hi: i32, stride: i32, pad: i32, reach: i32, count: i32) -> vec2<i32> {
  let reachBack = lo + pad - reach;
  let first = select(0, (reachBack + stride - 1) / stride, reachBack > 0);
  return vec2(first, min(count - 1, (hi + pad) / stride));
}

// How many taps k (0 <= k < taps) of the window starting at `start` fall in [0, size), or in the
// padded [-padBegin, size + padEnd) with includePad.
fn count(start: i32, taps: i32, step: i32, size: i32, padBegin: i32, padEnd: i32) -> i32 {
  let pad = params.includePad != 0u;
  let s = start + select(0, padBegin, pad);
  let n = size + select(0, padBegin + padEnd, pad);
  let lo = select(0, (step - 1 - s) / step, s < 0);
  let hi = min(taps, (n - s + step - 1) / step);
  return max(0, hi - lo);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.inH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * inH + h
  let h = row % params.inH;
  let plane = row / params.inH;
  let w = 4 * segment;
  let wv = w + vec4(0, 1, 2, 3);

  let reachH = (params.kH - 1) * params.dH;
  let reachW = (params.kW - 1) * params.dW;
  let rows = windowRange(h, h, params.sH, params.padT, reachH, params.pooledH);
  let cols = windowRange(w, w + 3, params.sW, params.padL, reachW, params.pooledW);

  var acc = vec4(0.0);
  for (var oh = rows.x; oh <= rows.y; oh++) {
    let start = oh * params.sH - params.padT;
    if ((h - start) % params.dH != 0) { continue; } // h falls between two dilated taps
    let countH = count(start, params.kH, params.dH, params.inH, params.padT, params.padB);
    let base = (plane * params.pooledH + oh) * params.pooledW;
    for (var ow = cols.x; ow <= cols.y; ow++) {
      let startW = ow * params.sW - params.padL;
      let offset = wv - startW;
      let tap = (offset >= vec4(0)) & (offset <= vec4(reachW)) & (offset % vec4(params.dW) == vec4(0));
      let share = dy[base + ow] / f32(countH * count(startW, params.kW, params.dW, params.inW, params.padL, params.padR));
      acc += select(vec4(0.0), vec4(share), tap);
    }
  }

  let o = row * params.inW + w;
  for (var k = 0; k < 4; k++) {
    if (w + k < params.inW) { dx[o + k] = acc[k]; }
  }
}
