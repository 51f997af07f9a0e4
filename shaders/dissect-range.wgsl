// Network Dissection, pass 1 (streaming quantile), step 1 of a batch: widen each unit's histogram
// range to hold the batch. Unit c's histogram has BINS bins of width 2^level starting at the
// absolute bin index base, where the absolute bin of a value v is floor(v / 2^level). (level, base)
// is always the same function of the running range [lo, hi] (fitLevel below, mirrored by
// src/reference/dissect.ts): the smallest level at which [lo, hi] spans at most BINS bins, and
// base = floor(lo / 2^level). Because widths are powers of two, going from level e to level e + d
// maps absolute bin a to a >> d exactly, so the histogram after any sequence of batches equals the
// histogram of all the data at the final level: independent of batch size, order and sharding.
//
// One workgroup per unit. state[4c..4c+3] = [level, base, bits(lo), bits(hi)]; an empty unit has
// lo = +inf, hi = -inf. Elements of unit c: x[n * chw + c * hw + j], n < images, j < hw.

struct Params { images: u32, hw: u32, chw: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<i32>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;

const WG = 64u;
const BINS = 2048u;
const MIN_LEVEL = -120;
const MAX_LEVEL = 120;

var<workgroup> lows: array<f32, WG>;
var<workgroup> highs: array<f32, WG>;
var<workgroup> old: array<u32, BINS>;
var<workgroup> plan: array<i32, 3>; // [shift, old base, new base]
var<workgroup> rebin: i32;

// floor(log2(v)) for v > 0 from the exponent bits (exact; -127 for subnormals).
fn exponentOf(v: f32) -> i32 {
  return i32((bitcast<u32>(v) >> 23u) & 0xffu) - 127;
}

fn absBin(v: f32, level: i32) -> i32 {
  return i32(floor(ldexp(v, -level)));
}

fn fits(lo: f32, hi: f32, level: i32) -> bool {
  let m = max(abs(lo), abs(hi));
  return ldexp(m, -level) < 1073741824.0 && absBin(hi, level) - absBin(lo, level) <= i32(BINS) - 1;
}

fn fitLevel(lo: f32, hi: f32) -> i32 {
  let span = hi - lo;
  let m = max(abs(lo), abs(hi));
  var level = MIN_LEVEL;
  if (span > 0.0) { level = max(level, exponentOf(span) - 11 - 1); }
  if (m > 0.0) { level = max(level, exponentOf(m) - 30 - 1); }
  for (; level < MAX_LEVEL && !fits(lo, hi, level); level++) {}
  return level;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let count = params.images * params.hw;
  var lo = 0x1.fffffep+127f; // the f32 extremes (infinities are not constant expressions)
  var hi = -0x1.fffffep+127f;
  for (var k = lid; k < count; k += WG) {
    let n = k / params.hw;
    let v = x[n * params.chw + c * params.hw + (k - n * params.hw)];
    lo = min(lo, v);
    hi = max(hi, v);
  }
  lows[lid] = lo;
  highs[lid] = hi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      lows[lid] = min(lows[lid], lows[lid + s]);
      highs[lid] = max(highs[lid], highs[lid + s]);
    }
    workgroupBarrier();
  }

  if (lid == 0u) {
    let oldLevel = state[4u * c];
    let oldBase = state[4u * c + 1u];
    let oldLo = bitcast<f32>(state[4u * c + 2u]);
    let oldHi = bitcast<f32>(state[4u * c + 3u]);
    let newLo = min(oldLo, lows[0]);
    let newHi = max(oldHi, highs[0]);
    let level = fitLevel(newLo, newHi);
    let base = absBin(newLo, level);
    rebin = select(0, 1, oldLo <= oldHi && (level != oldLevel || base != oldBase));
    plan[0] = min(level - oldLevel, 31);
    plan[1] = oldBase;
    plan[2] = base;
    state[4u * c] = level;
    state[4u * c + 1u] = base;
    state[4u * c + 2u] = bitcast<i32>(newLo);
    state[4u * c + 3u] = bitcast<i32>(newHi);
  }
  workgroupBarrier();
  if (workgroupUniformLoad(&rebin) == 0) { return; }

  // Rebin: old absolute bin a = oldBase + j goes to a >> shift (arithmetic: floor for negatives).
  let row = c * BINS;
  for (var j = lid; j < BINS; j += WG) {
    old[j] = atomicLoad(&hist[row + j]);
    atomicStore(&hist[row + j], 0u);
  }
  storageBarrier();
  workgroupBarrier();
  let shift = u32(plan[0]);
  for (var j = lid; j < BINS; j += WG) {
    if (old[j] != 0u) {
      let to = ((plan[1] + i32(j)) >> shift) - plan[2];
      atomicAdd(&hist[row + u32(clamp(to, 0, i32(BINS) - 1))], old[j]);
    }
  }
}
