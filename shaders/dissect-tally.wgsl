// Network Dissection, pass 2: the IoU tally of one batch. a is the batch's activation maps
// [images, C, inH, inW]; s, a map upsampled to the mask size (S = outH * outW pixels), is computed
// here with resize-bilinear.wgsl's arithmetic (ONNX Resize, linear, half_pixel: the same floats as
// engine.ops.resizeBilinear, tested so), which saves writing and reading an upsampled copy of the
// batch, larger than the maps by (S / (inH * inW)). Unit c's mask is M_c(x) = s(x) >= threshold[c]. labels[n, e, x] holds image n's label maps (E entries: every mask
// of every category, whole-image labels as filled maps; 0 = no label).
//
// Workgroup (c, g) takes unit c over images [g * IMAGES, (g + 1) * IMAGES): it counts, in workgroup
// memory, the masked pixels of each label (intersections) and each image's masked pixels, then adds
// them to inter[c * L + label] and, for every category that image n has labels in (bit k of
// present[n]), to area[c * K + k] (NetDissect counts a unit's mask only over the images labelled in
// the concept's category). peak[n * C + c] is each map's maximum (for top images). Several images
// per workgroup and per-thread running counts keep barriers and atomics few: on a CPU driver
// (SwiftShader) a barrier costs far more than the arithmetic.

struct Params { images: u32, channels: u32, inH: u32, inW: u32, outH: u32, outW: u32, ratioH: f32, ratioW: f32, entries: u32, labels: u32, categories: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> threshold: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read> present: array<u32>;
@group(0) @binding(5) var<storage, read_write> inter: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> area: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> peak: array<f32>;

const WG = 64u;
const IMAGES = 8u; // per workgroup; ops/dissect.ts uses the same
// Workgroup counters for the labels, sized per dataset at pipeline creation (ops/dissect.ts: the
// label count rounded up, at most 3072): a large array costs SwiftShader time to compile and clear.
override LABEL_SLOTS: u32 = 64u;

var<workgroup> counts: array<atomic<u32>, LABEL_SLOTS>;
var<workgroup> masked: array<atomic<u32>, IMAGES>;
var<workgroup> peaks: array<atomic<u32>, IMAGES>; // sort keys of the maxima

// The float's bits as a u32 that orders like the float.
fn sortKey(v: f32) -> u32 {
  let u = bitcast<u32>(v);
  return select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
}

struct Taps { lo: u32, hi: u32, frac: f32 }

// As resize-bilinear.wgsl: the two source indices of output index o and the upper one's weight.
fn taps(o: u32, ratio: f32, inSize: u32) -> Taps {
  let s = clamp((f32(o) + 0.5) * ratio - 0.5, 0.0, f32(inSize - 1u));
  let lo = u32(floor(s));
  return Taps(lo, min(lo + 1u, inSize - 1u), s - floor(s));
}

fn fromKey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let first = wid.y * IMAGES;
  let count = min(IMAGES, params.images - first);
  let L = params.labels;
  for (var l = lid; l < L; l += WG) { atomicStore(&counts[l], 0u); }
  if (lid < IMAGES) {
    atomicStore(&masked[lid], 0u);
    atomicStore(&peaks[lid], 0u);
  }
  workgroupBarrier();

  let S = params.outH * params.outW;
  let inPixels = params.inH * params.inW;
  let t = threshold[c];
  // Thread lid visits columns lid, lid + WG, ... of every row of each image in turn; its counts go
  // to workgroup memory once per image.
  for (var i = 0u; i < count; i++) {
    let n = first + i;
    let src = (n * params.channels + c) * inPixels;
    var best = 0u;
    var mine = 0u;
    // Row by row: the row's taps once, no division per pixel (costly on a CPU driver).
    for (var y = 0u; y < params.outH; y++) {
      let ty = taps(y, params.ratioH, params.inH);
      let rowLo = src + ty.lo * params.inW;
      let rowHi = src + ty.hi * params.inW;
      for (var col = lid; col < params.outW; col += WG) {
        let tx = taps(col, params.ratioW, params.inW);
        let top = mix(a[rowLo + tx.lo], a[rowLo + tx.hi], tx.frac);
        let bottom = mix(a[rowHi + tx.lo], a[rowHi + tx.hi], tx.frac);
        let v = mix(top, bottom, ty.frac);
        best = max(best, sortKey(v));
        if (v >= t) {
          mine++;
          let x = y * params.outW + col;
          for (var e = 0u; e < params.entries; e++) {
            let l = labels[(n * params.entries + e) * S + x];
            if (l > 0) { atomicAdd(&counts[u32(l)], 1u); }
          }
        }
      }
    }
    if (mine != 0u) { atomicAdd(&masked[i], mine); }
    atomicMax(&peaks[i], best);
  }
  workgroupBarrier();

  for (var l = lid; l < L; l += WG) {
    let total = atomicLoad(&counts[l]);
    if (total != 0u) { atomicAdd(&inter[c * L + l], total); }
  }
  if (lid < count) {
    let n = first + lid;
    peak[n * params.channels + c] = fromKey(atomicLoad(&peaks[lid]));
    let total = atomicLoad(&masked[lid]);
    let bits = present[n];
    for (var k = 0u; k < params.categories; k++) {
      if (((bits >> k) & 1u) != 0u && total != 0u) { atomicAdd(&area[c * params.categories + k], total); }
    }
  }
}
