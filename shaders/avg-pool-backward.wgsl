// AveragePool's backward as a gather: dx[e] sums dy[j] / count[j] over the windows j having a tap
// at element e. Each thread computes 4 horizontally adjacent elements of one row of dx:
// thread t -> plane p, row h, columns w = 4 * segment + (0, 1, 2, 3) (the vec4 lanes; lanes past
// the row's end repeat its last element). Passes visit the windows as in max-unpool.wgsl (NR x NC
// windows per pass, no loop); a window's divisor is its tap count along each axis, as in
// avg-pool.wgsl.

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, inH: i32, inW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, padB: i32, padR: i32, dH: i32, dW: i32,
  includePad: u32, passRow: i32, passCol: i32, first: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;
override NR: i32 = 3; // window rows per pass
override NC: i32 = 3; // window columns per pass

// How many of the taps start + k * step (0 <= k < taps) lie in [lo, hi). The quotients are of
// small integers, exact in f32 (and a float division is far cheaper than an integer one on a CPU).
fn tapCount(start: i32, taps: i32, step: i32, lo: i32, hi: i32) -> f32 {
  let first = max(0.0, ceil(f32(lo - start) / f32(step)));
  let last = min(f32(taps - 1), floor(f32(hi - 1 - start) / f32(step)));
  return max(0.0, last - first + 1.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.inH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * inH + h
  let h = row % params.inH;
  let plane = row / params.inH;
  let w = min(4 * segment + vec4(0, 1, 2, 3), vec4(params.inW - 1));

  let pad = params.includePad != 0u;
  let top = select(0, -params.padT, pad);
  let bottom = params.inH + select(0, params.padB, pad);
  let left = select(0, -params.padL, pad);
  let right = params.inW + select(0, params.padR, pad);
  let reachH = (params.kH - 1) * params.dH;
  let reachW = (params.kW - 1) * params.dW;

  // The pass's window rows: whether each has a tap on row h (not between two dilated taps), its
  // start in dy, and its tap count.
  let oh = (h + params.padT) / params.sH - (params.passRow + 1) * NR + 1;
  let startH = vec3(oh, oh + 1, oh + 2) * params.sH - params.padT;
  let offH = h - startH;
  let rowOk = (vec3(oh, oh + 1, oh + 2) >= vec3(0)) & (vec3(oh, oh + 1, oh + 2) < vec3(params.pooledH)) & (offH <= vec3(reachH)) & (offH % vec3(params.dH) == vec3(0));
  let rowBase = (plane * params.pooledH + clamp(vec3(oh, oh + 1, oh + 2), vec3(0), vec3(params.pooledH - 1))) * params.pooledW;
  let countH = vec3(tapCount(startH.x, params.kH, params.dH, top, bottom), tapCount(startH.y, params.kH, params.dH, top, bottom), tapCount(startH.z, params.kH, params.dH, top, bottom));

  // The pass's window columns: the lanes each has a tap on, its column in dy, and its tap count.
  let reach = 4 * segment + params.padL - reachW; // first window column: ceil(reach / sW), at least 0
  let ow = select(0, (reach + params.sW - 1) / params.sW, reach > 0) + NC * params.passCol;
  let last = params.pooledW - 1;
  let col = min(vec3(ow, ow + 1, ow + 2), vec3(last));
  let startW = vec3(ow, ow + 1, ow + 2) * params.sW - params.padL;
  let countW = vec3(tapCount(startW.x, params.kW, params.dW, left, right), tapCount(startW.y, params.kW, params.dW, left, right), tapCount(startW.z, params.kW, params.dW, left, right));
  let zero = vec4(0);
  let dW = vec4<f32>(f32(params.dW));
  let off0 = w - startW.x;
  let off1 = w - startW.y;
  let off2 = w - startW.z;
  let tap0 = vec4(ow <= last) & (off0 >= zero) & (off0 <= vec4(reachW)) & (fract(vec4<f32>(off0) / dW) == vec4(0.0));
  let tap1 = vec4(ow + 1 <= last) & (off1 >= zero) & (off1 <= vec4(reachW)) & (fract(vec4<f32>(off1) / dW) == vec4(0.0));
  let tap2 = vec4(ow + 2 <= last) & (off2 >= zero) & (off2 <= vec4(reachW)) & (fract(vec4<f32>(off2) / dW) == vec4(0.0));

  let o = row * params.inW + w;
  var acc = vec4(0.0);
  if (params.first == 0u) { acc = vec4(dx[o.x], dx[o.y], dx[o.z], dx[o.w]); }
  let none = vec4(0.0);
  acc += select(none, vec4(dy[rowBase.x + col.x] / (countH.x * countW.x)), vec4(rowOk.x) & tap0);
  if (NC > 1) { acc += select(none, vec4(dy[rowBase.x + col.y] / (countH.x * countW.y)), vec4(rowOk.x) & tap1); }
  if (NC > 2) { acc += select(none, vec4(dy[rowBase.x + col.z] / (countH.x * countW.z)), vec4(rowOk.x) & tap2); }
  if (NR > 1) { acc += select(none, vec4(dy[rowBase.y + col.x] / (countH.y * countW.x)), vec4(rowOk.y) & tap0); }
  if (NR > 1 && NC > 1) { acc += select(none, vec4(dy[rowBase.y + col.y] / (countH.y * countW.y)), vec4(rowOk.y) & tap1); }
  if (NR > 1 && NC > 2) { acc += select(none, vec4(dy[rowBase.y + col.z] / (countH.y * countW.z)), vec4(rowOk.y) & tap2); }
  if (NR > 2) { acc += select(none, vec4(dy[rowBase.z + col.x] / (countH.z * countW.x)), vec4(rowOk.z) & tap0); }
  if (NR > 2 && NC > 1) { acc += select(none, vec4(dy[rowBase.z + col.y] / (countH.z * countW.y)), vec4(rowOk.z) & tap1); }
  if (NR > 2 && NC > 2) { acc += select(none, vec4(dy[rowBase.z + col.z] / (countH.z * countW.z)), vec4(rowOk.z) & tap2); }
  dx[o.x] = acc.x; dx[o.y] = acc.y; dx[o.z] = acc.z; dx[o.w] = acc.w;
}
