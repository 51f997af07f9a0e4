// Network Dissection, pass 2, step 2 of a batch: the IoU tally over the hot cells that
// dissect-hot-cells.wgsl listed. a is the batch's activation maps [images, C, inH, inW]; s, a map
// upsampled to the mask size (outH x outW), is computed here with resize-bilinear.wgsl's arithmetic
// (ONNX Resize, linear, half_pixel: the same floats as engine.ops.resizeBilinear, tested so), which
// saves writing and reading an upsampled copy of the batch. Unit c's mask is M_c(x) = s(x) >=
// threshold[c]. labels[n, e, x] holds image n's label maps (E entries: every mask of every
// category, whole-image labels as filled maps; 0 = no label).
//
// Only the pixels of hot cells can be in a mask (dissect-hot-cells.wgsl says why), so each hot cell
// is evaluated here, with the same taps and mix() as resizeBilinear: the masks are bit-identical
// to thresholding the upsampled maps. A cell's pixels are a contiguous range per axis (the output
// indices whose taps' lower index is the cell's), estimated from the ratio, widened by one on each
// side and narrowed by the indices' own taps, so every pixel is counted by exactly one cell. A
// masked pixel adds 1 to inter[c * L + label] for each of its labels, and a cell's masked pixels
// add to area[c * K + k] for every category that image n has labels in (bit k of present[n];
// NetDissect counts a unit's mask only over the images labelled in the concept's category): global
// atomics, few at q = 0.005.
// Threads: `threads` of them take hot cells g, g + threads, ... of the count[0] listed.

struct Params { channels: u32, inH: u32, inW: u32, outH: u32, outW: u32, ratioH: f32, ratioW: f32, entries: u32, labels: u32, categories: u32, threads: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> threshold: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read> present: array<u32>;
@group(0) @binding(5) var<storage, read> count: array<u32>;
@group(0) @binding(6) var<storage, read> hot: array<u32>;
@group(0) @binding(7) var<storage, read_write> inter: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read_write> area: array<atomic<u32>>;

const WG = 64u;

struct Taps { lo: u32, hi: u32, frac: f32 }

// As resize-bilinear.wgsl: the two source indices of output index o and the upper one's weight.
fn taps(o: u32, ratio: f32, inSize: u32) -> Taps {
  let s = clamp((f32(o) + 0.5) * ratio - 0.5, 0.0, f32(inSize - 1u));
  let lo = u32(floor(s));
  return Taps(lo, min(lo + 1u, inSize - 1u), s - floor(s));
}

// The first output index whose source position (o + 0.5) * ratio - 0.5 reaches i, to within one.
fn cellStart(i: u32, ratio: f32, outSize: u32) -> u32 {
  if (i == 0u) { return 0u; }
  return min(u32(max(ceil((f32(i) + 0.5) / ratio - 0.5), 0.0)), outSize);
}

// Output indices [start, end) that take their taps from cell i: the estimate, widened by one on
// each side, then narrowed by the indices' own taps (lo only grows with the index).
fn cellRange(i: u32, ratio: f32, inSize: u32, outSize: u32) -> vec2u {
  let end0 = select(cellStart(i + 1u, ratio, outSize), outSize, i + 1u == inSize);
  var start = max(cellStart(i, ratio, outSize), 1u) - 1u;
  var end = min(end0 + 1u, outSize);
  for (; start < end && taps(start, ratio, inSize).lo < i; start++) {}
  for (; end > start && taps(end - 1u, ratio, inSize).lo > i; end--) {}
  return vec2u(start, end);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let inH = params.inH;
  let inW = params.inW;
  let cells = inH * inW;
  let C = params.channels;
  let L = params.labels;
  let S = params.outH * params.outW;
  let total = count[0];
  for (var k = wid.x * WG + lid; k < total; k += params.threads) {
    let m = hot[k] / cells;
    let cell = hot[k] - m * cells;
    let n = m / C;
    let c = m - n * C;
    let ci = cell / inW;
    let cj = cell - ci * inW;
    let base = m * cells;
    let ci1 = min(ci + 1u, inH - 1u);
    let cj1 = min(cj + 1u, inW - 1u);
    let c00 = a[base + ci * inW + cj];
    let c01 = a[base + ci * inW + cj1];
    let c10 = a[base + ci1 * inW + cj];
    let c11 = a[base + ci1 * inW + cj1];
    let t = threshold[c];
    var masked = 0u;
    let ys = cellRange(ci, params.ratioH, inH, params.outH);
    let xs = cellRange(cj, params.ratioW, inW, params.outW);
    for (var y = ys.x; y < ys.y; y++) {
      let fy = taps(y, params.ratioH, inH).frac;
      for (var col = xs.x; col < xs.y; col++) {
        let fx = taps(col, params.ratioW, inW).frac;
        let v = mix(mix(c00, c01, fx), mix(c10, c11, fx), fy);
        if (v >= t) {
          masked++;
          let x = y * params.outW + col;
          for (var e = 0u; e < params.entries; e++) {
            let l = labels[(n * params.entries + e) * S + x];
            if (l > 0) { atomicAdd(&inter[c * L + u32(l)], 1u); }
          }
        }
      }
    }
    if (masked != 0u) {
      let bits = present[n];
      for (var q = 0u; q < params.categories; q++) {
        if (((bits >> q) & 1u) != 0u) { atomicAdd(&area[c * params.categories + q], masked); }
      }
    }
  }
}
