// Network Dissection, pass 2: the IoU tally of one batch. s is the batch's activation map upsampled
// to the mask size ([images, C, S], S = sh * sw pixels, by resizeBilinear); unit c's mask is
// M_c(x) = s(x) >= threshold[c]. labels[n, e, x] holds image n's label maps (E entries: every mask
// of every category, whole-image labels as filled maps; 0 = no label). One workgroup per (n, c):
// it counts, in workgroup memory, the masked pixels of each label (intersections) and the masked
// pixels; then adds them to inter[c * L + label] and, for every category that image n has labels
// in (bit k of present[n]), to area[c * K + k] (NetDissect counts a unit's mask only over the
// images labelled in the concept's category). peak[n * C + c] is the map's maximum (top images).

struct Params { channels: u32, pixels: u32, entries: u32, labels: u32, categories: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> threshold: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read> present: array<u32>;
@group(0) @binding(5) var<storage, read_write> inter: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> area: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> peak: array<f32>;

const WG = 64u;
const MAX_LABELS = 3072u; // ops/dissect.ts checks labels <= this

var<workgroup> counts: array<atomic<u32>, MAX_LABELS>;
var<workgroup> masked: atomic<u32>;
var<workgroup> peaks: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = wid.y;
  let c = wid.x;
  let L = params.labels;
  for (var l = lid; l < L; l += WG) { atomicStore(&counts[l], 0u); }
  if (lid == 0u) { atomicStore(&masked, 0u); }
  workgroupBarrier();

  let S = params.pixels;
  let map = (n * params.channels + c) * S;
  let t = threshold[c];
  var best = -0x1.fffffep+127f; // lowest f32 (infinities are not constant expressions)
  var mine = 0u;
  for (var x = lid; x < S; x += WG) {
    let v = s[map + x];
    best = max(best, v);
    if (v >= t) {
      mine++;
      for (var e = 0u; e < params.entries; e++) {
        let l = labels[(n * params.entries + e) * S + x];
        if (l > 0) { atomicAdd(&counts[u32(l)], 1u); }
      }
    }
  }
  atomicAdd(&masked, mine);
  peaks[lid] = best;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { peaks[lid] = max(peaks[lid], peaks[lid + k]); }
    workgroupBarrier();
  }

  for (var l = lid; l < L; l += WG) {
    let total = atomicLoad(&counts[l]);
    if (total != 0u) { atomicAdd(&inter[c * L + l], total); }
  }
  if (lid == 0u) {
    peak[n * params.channels + c] = peaks[0];
    let total = atomicLoad(&masked);
    let bits = present[n];
    for (var k = 0u; k < params.categories; k++) {
      if (((bits >> k) & 1u) != 0u) { atomicAdd(&area[c * params.categories + k], total); }
    }
  }
}
