// Network Dissection, pass 2, step 1 of a batch: list the hot source cells, those whose upsampled
// pixels may reach the unit's threshold (dissect-tally.wgsl then tallies only those).
//
// Output pixel x of an upsampled map takes its taps from source cell (lo_y, lo_x) (corners lo and
// min(lo + 1, in - 1) per axis; clamped borders fall in the first and last cells), and its value is
// a convex combination of the cell's 4 corners: when all 4 lie below the threshold T, no pixel of
// the cell is in the mask. At q = 0.005 almost every cell is cold. Rounding can lift a mix() above
// its largest input by a few units in the last place (about 2^-20 relative, twice), so a cell is
// hot when its largest corner comes within 2^-16 of the corners' and T's magnitude:
//   max(corners) + (max |corners| + |T|) * 2^-16 >= T
// (a cell listed needlessly costs time, never a count). A dead unit (T = +inf) has no hot cell.
//
// a is [maps = images * C, inH, inW]. Cell k of map m is listed as m * inH * inW + k, in hot[] after
// count[0] (an atomic counter, zero before the dispatch), in no particular order.
// Threads: thread g takes cell g % cells of maps g / cells, g / cells + groups, ... (cells = inH *
// inW, threads = groups * cells): a thread's corner offsets are fixed and neighbouring threads read
// neighbouring cells, and few workgroups loop over many maps, which a CPU driver (SwiftShader) runs
// far faster than one thread per cell. With QUADS (inW a multiple of 4) a thread takes 4 cells of
// a row instead, loading their corners as 2 quads and 2 floats rather than 16 floats. The hot
// branch is kept tiny: SwiftShader pays for the code of a branch that no lane takes.

struct Params { maps: u32, channels: u32, inH: u32, inW: u32, groups: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(5) var<storage, read> aq: array<vec4<f32>>; // a again, as quads (QUADS)
@group(0) @binding(2) var<storage, read> threshold: array<f32>;
@group(0) @binding(3) var<storage, read_write> count: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> hot: array<u32>;

const WG = 64u;
const F32_MAX = 0x1.fffffep+127f;
override QUADS: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid; // the dispatch may be folded in 2-D
  let inH = params.inH;
  let inW = params.inW;
  let cells = inH * inW;
  let per = select(1u, 4u, QUADS); // cells per thread, along a row
  let rowGroups = inW / per;
  let C = params.channels;
  let groups = params.groups;
  if (g >= groups * inH * rowGroups) { return; }
  let first = g / (inH * rowGroups);
  let q = g - first * inH * rowGroups;
  let ci = q / rowGroups;
  let cj = (q - ci * rowGroups) * per; // the first cell's column
  let row0 = ci * inW;
  let row1 = min(ci + 1u, inH - 1u) * inW;
  let right = min(cj + per, inW - 1u); // the last cell's right corners' column
  let stepC = groups % C;
  var c = first % C;
  for (var m = first; m < params.maps; m += groups) {
    let base = m * cells;
    // Corners: top-left r0, bottom-left r1, top-right r0s, bottom-right r1s of each cell.
    var r0: vec4<f32>;
    var r1: vec4<f32>;
    if (QUADS) {
      r0 = aq[(base + row0 + cj) / 4u];
      r1 = aq[(base + row1 + cj) / 4u];
    } else {
      r0 = vec4(a[base + row0 + cj]);
      r1 = vec4(a[base + row1 + cj]);
    }
    let e0 = a[base + row0 + right];
    let e1 = a[base + row1 + right];
    let r0s = select(vec4(e0), vec4(r0.yzw, e0), QUADS);
    let r1s = select(vec4(e1), vec4(r1.yzw, e1), QUADS);
    let t = threshold[c];
    let top = max(max(r0, r0s), max(r1, r1s));
    let size = max(max(abs(r0), abs(r0s)), max(abs(r1), abs(r1s)));
    let warm = top + (size + abs(t)) * 0x1p-16f >= vec4(t);
    if (t <= F32_MAX && any(warm)) {
      for (var k = 0u; k < per; k++) {
        if (warm[k]) { hot[atomicAdd(&count[0], 1u)] = base + row0 + cj + k; }
      }
    }
    c += stepC;
    if (c >= C) { c -= C; }
  }
}
