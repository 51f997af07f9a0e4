// MaxUnpool as a scatter into a zeroed out: out[switches[j]] = y[j] for every pooling window j,
// where two windows chose the same element the later one (in row-major order) winning, as in
// ONNX's (and the reference's) scatter. A switch points inside its own window (as maxPool2d makes
// them), so only a later window that overlaps j can claim j's element: window j stores only if
// none of those has its switch, and then every element is stored once, by its last claimant (no
// atomics, no race).
// The later windows that can overlap j are those up to RH window rows below and RW window columns
// either side (RH, RW: the overrides, ceil(kernel / stride) - 1 along each axis). Reaches up to 1
// (2x2/2, AlexNet's 3x3/2, ...) have an unrolled check, larger ones (stride 1, ...) a loop.
// Each thread handles 4 adjacent windows on each of two window rows, so that the first row's check
// reads the second's switches: thread t -> plane p, window rows oh = 2 * pair + (0, 1), windows
// ow = 4 * segment + (0, 1, 2, 3) (the vec4 lanes; lanes past the row's end store nothing, and an
// odd last row is handled twice, by the last two pairs, which store the same values).
// Switches are flat indices into the whole out tensor; planeOffset says which plane of it this
// dispatch's plane 0 is (large tensors go in chunks of planes).

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, planeSize: i32, pairs: i32, segments: i32, planeOffset: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> switches: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
override RH: i32 = 1; // window rows below that can overlap a window
override RW: i32 = 1; // window columns either side that can overlap a window
override NEAR: bool = RH <= 1 && RW <= 1; // the unrolled check

// The switch of window (oh, ow) of the plane starting at window planeBase, clamped into the plane
// (check that the window exists separately).
fn switchAt(planeBase: i32, oh: i32, ow: i32) -> i32 {
  return switches[planeBase + min(oh, params.pooledH - 1) * params.pooledW + clamp(ow, 0, params.pooledW - 1)];
}

// The switches of a window row's windows ow0 .. ow0 + 3 (the lanes), and for the unrolled check
// with a column reach of 1, of ow0 + 4 and (withLeft) ow0 - 1.
struct Strip { left: i32, s: vec4<i32>, right: i32 }

fn loadStrip(planeBase: i32, oh: i32, ow0: i32, withLeft: bool) -> Strip {
  var strip = Strip(0, vec4(switchAt(planeBase, oh, ow0), switchAt(planeBase, oh, ow0 + 1), switchAt(planeBase, oh, ow0 + 2), switchAt(planeBase, oh, ow0 + 3)), 0);
  if (NEAR && RW == 1) {
    strip.right = switchAt(planeBase, oh, ow0 + 4);
    if (withLeft) { strip.left = switchAt(planeBase, oh, ow0 - 1); }
  }
  return strip;
}

// For reaches up to 1: whether the window to the right of each lane's (in `own`), or one of the
// windows below it (in `below`, if that row exists) has the lane's switch.
fn claimedNear(own: Strip, below: Strip, belowExists: bool, ow: vec4<i32>) -> vec4<bool> {
  let s = own.s;
  let hasRight = ow < vec4(params.pooledW - 1);
  var claimed = vec4(false);
  if (RW == 1) { claimed |= hasRight & (vec4(s.yzw, own.right) == s); }
  if (RH == 1) {
    let ok = vec4(belowExists);
    claimed |= ok & (below.s == s);
    if (RW == 1) {
      claimed |= ok & (ow > vec4(0)) & (vec4(below.left, below.s.xyz) == s);
      claimed |= ok & hasRight & (vec4(below.s.yzw, below.right) == s);
    }
  }
  return claimed;
}

// For larger reaches: the same question, each later overlapping window read on its own.
fn claimedFar(planeBase: i32, oh: i32, ow: vec4<i32>, s: vec4<i32>) -> vec4<bool> {
  var claimed = vec4(false);
  for (var dh = 0; dh <= RH; dh++) {
    for (var dw = select(-RW, 1, dh == 0); dw <= RW; dw++) {
      let other = ow + dw;
      let exists = (other >= vec4(0)) & (other < vec4(params.pooledW)) & vec4(oh + dh < params.pooledH);
      let claim = vec4(switchAt(planeBase, oh + dh, other.x), switchAt(planeBase, oh + dh, other.y), switchAt(planeBase, oh + dh, other.z), switchAt(planeBase, oh + dh, other.w));
      claimed |= exists & (claim == s);
    }
  }
  return claimed;
}

// Stores each lane's value at its switch, where the lane is a window and its element not claimed later.
fn store(s: vec4<i32>, j: vec4<i32>, keep: vec4<bool>) {
  let v = vec4(y[j.x], y[j.y], y[j.z], y[j.w]);
  let e = s - params.planeOffset * params.planeSize;
  if (keep.x) { out[e.x] = v.x; }
  if (keep.y) { out[e.y] = v.y; }
  if (keep.z) { out[e.z] = v.z; }
  if (keep.w) { out[e.w] = v.w; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.pairs * params.segments) { return; }
  let segment = t % params.segments;
  let planePair = t / params.segments; // plane * pairs + pair
  let pair = planePair % params.pairs;
  let plane = planePair / params.pairs;
  let planeBase = plane * params.pooledH * params.pooledW;

  let ohA = min(2 * pair, max(params.pooledH - 2, 0));
  let ohB = min(ohA + 1, params.pooledH - 1); // ohA itself when there is one row
  let ow0 = 4 * segment;
  let ow = ow0 + vec4(0, 1, 2, 3);
  let lastOw = vec4(params.pooledW - 1);
  let jA = planeBase + ohA * params.pooledW + min(ow, lastOw);
  let jB = planeBase + ohB * params.pooledW + min(ow, lastOw);
  let real = ow <= lastOw;

  let a = loadStrip(planeBase, ohA, ow0, false);
  let b = loadStrip(planeBase, ohB, ow0, true);
  var claimedA: vec4<bool>;
  var claimedB: vec4<bool>;
  if (NEAR) {
    var c: Strip; // the row below the pair
    if (RH == 1) { c = loadStrip(planeBase, ohB + 1, ow0, true); }
    claimedA = claimedNear(a, b, ohB > ohA, ow);
    claimedB = claimedNear(b, c, ohB + 1 < params.pooledH, ow);
  } else {
    claimedA = claimedFar(planeBase, ohA, ow, a.s);
    claimedB = claimedFar(planeBase, ohB, ow, b.s);
  }
  store(a.s, jA, real & !claimedA);
  store(b.s, jB, real & !claimedB);
}
