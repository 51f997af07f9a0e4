// MaxUnpool as a gather, also max-pool's backward: out[e] collects y[j] from every pooling window
// j whose switch points at element e. Each thread computes a 2x4 block of out, two rows of 4
// horizontally adjacent elements: thread t -> plane p, rows h = 2 * pair + (0, 1), columns
// w = 4 * segment + (0, 1, 2, 3) (vec4 lanes; rows and lanes past the end repeat the last one).
// A pass visits NR x NC windows (the overrides, 1 to 3 each): NR rows of windows ending
// passRow * NR rows above the last one covering row h + 1, and NC columns of windows starting
// NC * passCol after the first one covering column 4 * segment; the host runs as many passes as
// it takes to visit every window covering the block. Each window's switch and value are read
// once for the 8 elements and its switch compared with their flat indices: no atomics, no
// scatter, and no loop (see max-pool.wgsl).
//   ACCUMULATE false (MaxUnpool): a hit replaces the value; windows are visited in row-major
//                   order, so the last one wins, as in ONNX's scatter out[switches[j]] = y[j].
//   ACCUMULATE true (backward): hits are summed (an element can be the maximum of several windows).
// Switches are flat indices into the whole out tensor; planeOffset says which plane of it this
// dispatch's plane 0 is (large tensors go in chunks of planes).

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, outH: i32, outW: i32, pairs: i32, segments: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, reachW: i32,
  planeOffset: i32, passRow: i32, passCol: i32, first: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> switches: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
override ACCUMULATE: bool = false;
override NR: i32 = 3; // window rows per pass
override NC: i32 = 3; // window columns per pass

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.pairs * params.segments) { return; }
  let segment = t % params.segments;
  let planePair = t / params.segments; // plane * pairs + pair
  let pair = planePair % params.pairs;
  let plane = planePair / params.pairs;

  let h = 2 * pair;
  let hB = min(h + 1, params.outH - 1);
  let w = min(4 * segment + vec4(0, 1, 2, 3), vec4(params.outW - 1));
  let oA = (plane * params.outH + h) * params.outW + w;
  let oB = (plane * params.outH + hB) * params.outW + w;
  let offset = params.planeOffset * params.outH * params.outW;
  let meA = oA + offset; // the elements' flat indices in the whole tensor
  let meB = oB + offset;

  // The pass's windows: rows oh .. oh + NR - 1 and columns ow .. ow + NC - 1, clamped to read
  // from, with whether each exists.
  let oh = (hB + params.padT) / params.sH - (params.passRow + 1) * NR + 1;
  let reach = 4 * segment + params.padL - params.reachW; // first window column: ceil(reach / sW), at least 0
  let ow = select(0, (reach + params.sW - 1) / params.sW, reach > 0) + NC * params.passCol;
  let bottom = params.pooledH - 1;
  let row0 = (plane * params.pooledH + clamp(oh, 0, bottom)) * params.pooledW;
  let row1 = (plane * params.pooledH + clamp(oh + 1, 0, bottom)) * params.pooledW;
  let row2 = (plane * params.pooledH + clamp(oh + 2, 0, bottom)) * params.pooledW;
  let ok0 = oh >= 0 && oh <= bottom;
  let ok1 = oh + 1 >= 0 && oh + 1 <= bottom;
  let ok2 = oh + 2 >= 0 && oh + 2 <= bottom;
  let last = params.pooledW - 1;
  let col0 = min(ow, last);
  let col1 = min(ow + 1, last);
  let col2 = min(ow + 2, last);
  let okC0 = ow <= last;
  let okC1 = ow + 1 <= last;
  let okC2 = ow + 2 <= last;

  var a = vec4(0.0); // row h
  var b = vec4(0.0); // row h + 1
  if (params.first == 0u) {
    a = vec4(out[oA.x], out[oA.y], out[oA.z], out[oA.w]);
    b = vec4(out[oB.x], out[oB.y], out[oB.z], out[oB.w]);
  }
  // Windows in row-major order; a hit replaces (MaxUnpool) or adds (backward).
  var j: i32;
  var s: vec4<i32>;
  var v: vec4<f32>;
  var ok: vec4<bool>;
  j = row0 + col0; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok0 && okC0); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s));
  if (NC > 1) { j = row0 + col1; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok0 && okC1); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NC > 2) { j = row0 + col2; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok0 && okC2); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NR > 1) { j = row1 + col0; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok1 && okC0); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NR > 1 && NC > 1) { j = row1 + col1; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok1 && okC1); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NR > 1 && NC > 2) { j = row1 + col2; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok1 && okC2); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NR > 2) { j = row2 + col0; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok2 && okC0); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NR > 2 && NC > 1) { j = row2 + col1; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok2 && okC1); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  if (NR > 2 && NC > 2) { j = row2 + col2; s = vec4(switches[j]); v = vec4(y[j]); ok = vec4(ok2 && okC2); a = select(a, select(v, a + v, ACCUMULATE), ok & (meA == s)); b = select(b, select(v, b + v, ACCUMULATE), ok & (meB == s)); }
  out[oA.x] = a.x; out[oA.y] = a.y; out[oA.z] = a.z; out[oA.w] = a.w;
  out[oB.x] = b.x; out[oB.y] = b.y; out[oB.z] = b.z; out[oB.w] = b.w;
}
