// Network Dissection, pass 1 (streaming quantile): count one batch into each unit's histogram,
// widening the histogram's range first to hold the batch. Unit c's histogram has BINS bins of width
// 2^level starting at the absolute bin index base, where the absolute bin of a value v is
// floor(v / 2^level). (level, base) is always the same function of the running range [lo, hi]
// (fitLevel below, mirrored by src/reference/dissect.ts): the smallest level at which [lo, hi]
// spans at most BINS bins, and base = floor(lo / 2^level). Because widths are powers of two, going
// from level e to level e + d maps absolute bin a to a >> d exactly, so the histogram after any
// sequence of batches equals the histogram of all the data at the final level: independent of
// batch size, order and sharding.
//
// A workgroup takes units wid.x, wid.x + workgroups, ... in turn; per unit: the batch's range, the
// new (level, base), the old bins moved if they changed, then every value added to
// hist[c * BINS + bin] with a global atomic. On a CPU driver (SwiftShader) a workgroup that meets a
// barrier costs about 0.1 ms to start (a coroutine per SIMD group), far more than a unit's batch
// of a deep layer (16 images of 8x8: 1024 values), so ops/dissect.ts gives each workgroup several
// units of a small layer; and no workgroup array of bins (counting with global atomics: a unit's
// batch may hold fewer values than BINS, and 8 KiB of workgroup memory cost SwiftShader about
// 0.4 ms a workgroup).
// state[4c..4c+3] = [level, base, bits(lo), bits(hi)]; an empty unit has lo = +inf, hi = -inf.
// Elements of unit c: x[n * chw + c * hw + j], n < images, j < hw.

struct Params { images: u32, hw: u32, chw: u32, units: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> xq: array<vec4<f32>>; // x again, as quads (QUADS)
@group(0) @binding(2) var<storage, read_write> state: array<i32>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;

const WG = 64u;
// Read x four values at a time (when every map's size hw is a multiple of 4, so that each unit's run
// of an image starts a quad): a quarter of the loads, which a CPU driver pays for lane by lane.
override QUADS: bool = false;
const BINS = 2048u;
const MIN_LEVEL = -120;
const MAX_LEVEL = 120;

var<workgroup> lows: array<f32, WG>;
var<workgroup> highs: array<f32, WG>;
var<workgroup> plan: array<i32, 4>; // [shift, old base, new base, new level]
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
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  for (var c = wid.x; c < params.units; c += nwg.x) {
    countUnit(c, lid);
  }
}

// Values (n, j .. j + 3) of unit c when QUADS, else value (n, j) four times.
fn load(c: u32, n: u32, j: u32) -> vec4<f32> {
  if (QUADS) { return xq[(n * params.chw + c * params.hw) / 4u + j]; }
  return vec4(x[n * params.chw + c * params.hw + j]);
}

fn countUnit(c: u32, lid: u32) {
  // Thread lid visits elements (or quads) k = lid, lid + WG, ... as (image n, position j),
  // advanced by whole steps (no division per element, costly on a CPU driver).
  let hw = select(params.hw, params.hw / 4u, QUADS);
  let count = params.images * hw;
  let stepN = WG / hw;
  let stepJ = WG % hw;
  var lo = 0x1.fffffep+127f; // the f32 extremes (infinities are not constant expressions)
  var hi = -0x1.fffffep+127f;
  var n = lid / hw;
  var j = lid % hw;
  for (var k = lid; k < count; k += WG) {
    let v = load(c, n, j);
    lo = min(lo, min(min(v.x, v.y), min(v.z, v.w)));
    hi = max(hi, max(max(v.x, v.y), max(v.z, v.w)));
    n += stepN;
    j += stepJ;
    if (j >= hw) {
      j -= hw;
      n++;
    }
  }
  lows[lid] = lo;
  highs[lid] = hi;
  workgroupBarrier();
  if (lid == 0u) {
    for (var t = 1u; t < WG; t++) {
      lo = min(lo, lows[t]);
      hi = max(hi, highs[t]);
    }
    let oldLevel = state[4u * c];
    let oldBase = state[4u * c + 1u];
    let oldLo = bitcast<f32>(state[4u * c + 2u]);
    let oldHi = bitcast<f32>(state[4u * c + 3u]);
    let newLo = min(oldLo, lo);
    let newHi = max(oldHi, hi);
    let level = fitLevel(newLo, newHi);
    let base = absBin(newLo, level);
    rebin = select(0, 1, oldLo <= oldHi && (level != oldLevel || base != oldBase));
    plan = array<i32, 4>(min(level - oldLevel, 31), oldBase, base, level);
    state[4u * c] = level;
    state[4u * c + 1u] = base;
    state[4u * c + 2u] = bitcast<i32>(newLo);
    state[4u * c + 3u] = bitcast<i32>(newHi);
  }
  let row = c * BINS;
  if (workgroupUniformLoad(&rebin) != 0) {
    // Rebin: old absolute bin a = oldBase + b goes to a >> shift (arithmetic: floor for negatives).
    // Thread lid takes out bins lid, lid + WG, ... into registers, and after a barrier adds them
    // back where they now go (a workgroup array of the bins costs SwiftShader far more).
    var moved: array<u32, BINS / WG>;
    for (var i = 0u; i < BINS / WG; i++) { moved[i] = atomicExchange(&hist[row + lid + i * WG], 0u); }
    storageBarrier();
    workgroupBarrier();
    let shift = u32(plan[0]);
    for (var i = 0u; i < BINS / WG; i++) {
      if (moved[i] != 0u) {
        let to = ((plan[1] + i32(lid + i * WG)) >> shift) - plan[2];
        atomicAdd(&hist[row + u32(clamp(to, 0, i32(BINS) - 1))], moved[i]);
      }
    }
  }

  // The batch's values, at the new level (atomic adds commute with the rebinning's).
  let base = plan[2];
  let scale = ldexp(1.0, -plan[3]); // 2^-level: a normal float for levels in [-120, 120]
  n = lid / hw;
  j = lid % hw;
  for (var k = lid; k < count; k += WG) {
    let bin = vec4u(clamp(vec4i(floor(load(c, n, j) * scale)) - base, vec4i(0), vec4i(i32(BINS) - 1)));
    atomicAdd(&hist[row + bin.x], 1u);
    if (QUADS) {
      atomicAdd(&hist[row + bin.y], 1u);
      atomicAdd(&hist[row + bin.z], 1u);
      atomicAdd(&hist[row + bin.w], 1u);
    }
    n += stepN;
    j += stepJ;
    if (j >= hw) {
      j -= hw;
      n++;
    }
  }
}
