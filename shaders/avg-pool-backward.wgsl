// AveragePool's backward as a gather: dx[e] sums dy[j] / count[j] over the windows j having a tap
// at element e. Each thread computes a 2x4 block of dx, two rows of 4 horizontally adjacent
// elements: thread t -> plane p, rows h = 2 * pair + (0, 1), columns w = 4 * segment + (0, 1, 2, 3)
// (vec4 lanes; rows and lanes past the end repeat the last one). A pass visits NR x NC windows
// (overrides, 1 to 3 each), unrolled: NR rows of windows ending passRow * NR rows above the last
// one covering row h + 1, and NC columns of windows starting NC * passCol after the first one
// covering column 4 * segment; the host runs as many passes as it takes to visit every window
// covering the block, the first storing (FIRST), the later ones adding to dx. A window's divisor
// is its tap count along each axis, as in avg-pool.wgsl. Which elements between a window's first
// and last taps are taps is a division by the dilation, left out when there is none (DILATED):
// on a CPU driver (SwiftShader) every instruction runs, and integer divisions are slow.

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, inH: i32, inW: i32, pairs: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, padB: i32, padR: i32, dH: i32, dW: i32,
  includePad: u32, passRow: i32, passCol: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;
override NR: i32 = 3; // window rows per pass
override NC: i32 = 3; // window columns per pass
override FIRST: bool = true; // the first pass: store, not add
override DILATED: bool = false; // dH > 1 or dW > 1

// How many of the taps start + k * step (0 <= k < taps), for the three windows starting at
// `start`, lie in [lo, hi). The quotients are of small integers, exact in f32 (and a float
// division is far cheaper than an integer one on a CPU).
fn tapCount(start: vec3<i32>, taps: i32, step: i32, lo: i32, hi: i32) -> vec3<f32> {
  let first = max(vec3(0.0), ceil(vec3<f32>(lo - start) / f32(step)));
  let last = min(vec3(f32(taps - 1)), floor(vec3<f32>(hi - 1 - start) / f32(step)));
  return max(vec3(0.0), last - first + 1.0);
}

// Whether the elements at offset `off` from a window's start are among its taps.
fn isTap(off: vec4<i32>, reach: i32, step: i32) -> vec4<bool> {
  let inside = (off >= vec4(0)) & (off <= vec4(reach));
  if (!DILATED) { return inside; }
  return inside & (fract(vec4<f32>(off) / f32(step)) == vec4(0.0));
}

// Window j's share dy[j] / count, added to the elements of rows A and B it has a tap on.
fn spread(acc: array<vec4<f32>, 2>, j: i32, count: f32, tapA: vec4<bool>, tapB: vec4<bool>) -> array<vec4<f32>, 2> {
  let share = vec4(dy[j] / count);
  return array(acc[0] + select(vec4(0.0), share, tapA), acc[1] + select(vec4(0.0), share, tapB));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.pairs * params.segments) { return; }
  let segment = t % params.segments;
  let planePair = t / params.segments; // plane * pairs + pair
  let pair = planePair % params.pairs;
  let plane = planePair / params.pairs;

  let h = 2 * pair;
  let hB = min(h + 1, params.inH - 1);
  let w = min(4 * segment + vec4(0, 1, 2, 3), vec4(params.inW - 1));
  let pad = params.includePad != 0u;
  let reachH = (params.kH - 1) * params.dH;
  let reachW = (params.kW - 1) * params.dW;

  // The pass's window rows oh .. oh + 2: where they are in dy, their tap counts, and whether they
  // have a tap on row h (okA) and on row h + 1 (okB), not between two dilated taps.
  let oh = (hB + params.padT) / params.sH - (params.passRow + 1) * NR + 1 + vec3(0, 1, 2);
  let startH = oh * params.sH - params.padT;
  let exists = (oh >= vec3(0)) & (oh < vec3(params.pooledH));
  let offA = h - startH;
  let offB = hB - startH;
  var okA = exists & (offA >= vec3(0)) & (offA <= vec3(reachH));
  var okB = exists & (offB >= vec3(0)) & (offB <= vec3(reachH));
  if (DILATED) {
    okA &= offA % vec3(params.dH) == vec3(0);
    okB &= offB % vec3(params.dH) == vec3(0);
  }
  let countH = tapCount(startH, params.kH, params.dH, select(0, -params.padT, pad), params.inH + select(0, params.padB, pad));
  let rows = (plane * params.pooledH + clamp(oh, vec3(0), vec3(params.pooledH - 1))) * params.pooledW;

  // The pass's window columns ow .. ow + 2: where they are in dy, their tap counts, and the lanes
  // they have a tap on.
  let reach = 4 * segment + params.padL - reachW; // first window column: ceil(reach / sW), at least 0
  let ow = select(0, (reach + params.sW - 1) / params.sW, reach > 0) + NC * params.passCol + vec3(0, 1, 2);
  let startW = ow * params.sW - params.padL;
  let cols = min(ow, vec3(params.pooledW - 1));
  let countW = tapCount(startW, params.kW, params.dW, select(0, -params.padL, pad), params.inW + select(0, params.padR, pad));
  let tap0 = vec4(ow.x < params.pooledW) & isTap(w - startW.x, reachW, params.dW);
  let tap1 = vec4(ow.y < params.pooledW) & isTap(w - startW.y, reachW, params.dW);
  let tap2 = vec4(ow.z < params.pooledW) & isTap(w - startW.z, reachW, params.dW);

  let oA = (plane * params.inH + h) * params.inW + w;
  let oB = (plane * params.inH + hB) * params.inW + w;
  var acc = array(vec4(0.0), vec4(0.0)); // rows h and h + 1
  if (!FIRST) {
    acc = array(vec4(dx[oA.x], dx[oA.y], dx[oA.z], dx[oA.w]), vec4(dx[oB.x], dx[oB.y], dx[oB.z], dx[oB.w]));
  }
  acc = spread(acc, rows.x + cols.x, countH.x * countW.x, vec4(okA.x) & tap0, vec4(okB.x) & tap0);
  if (NC > 1) { acc = spread(acc, rows.x + cols.y, countH.x * countW.y, vec4(okA.x) & tap1, vec4(okB.x) & tap1); }
  if (NC > 2) { acc = spread(acc, rows.x + cols.z, countH.x * countW.z, vec4(okA.x) & tap2, vec4(okB.x) & tap2); }
  if (NR > 1) { acc = spread(acc, rows.y + cols.x, countH.y * countW.x, vec4(okA.y) & tap0, vec4(okB.y) & tap0); }
  if (NR > 1 && NC > 1) { acc = spread(acc, rows.y + cols.y, countH.y * countW.y, vec4(okA.y) & tap1, vec4(okB.y) & tap1); }
  if (NR > 1 && NC > 2) { acc = spread(acc, rows.y + cols.z, countH.y * countW.z, vec4(okA.y) & tap2, vec4(okB.y) & tap2); }
  if (NR > 2) { acc = spread(acc, rows.z + cols.x, countH.z * countW.x, vec4(okA.z) & tap0, vec4(okB.z) & tap0); }
  if (NR > 2 && NC > 1) { acc = spread(acc, rows.z + cols.y, countH.z * countW.y, vec4(okA.z) & tap1, vec4(okB.z) & tap1); }
  if (NR > 2 && NC > 2) { acc = spread(acc, rows.z + cols.z, countH.z * countW.z, vec4(okA.z) & tap2, vec4(okB.z) & tap2); }
  dx[oA.x] = acc[0].x; dx[oA.y] = acc[0].y; dx[oA.z] = acc[0].z; dx[oA.w] = acc[0].w;
  dx[oB.x] = acc[1].x; dx[oB.y] = acc[1].y; dx[oB.z] = acc[1].z; dx[oB.w] = acc[1].w;
}
