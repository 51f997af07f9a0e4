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
// far faster than one thread per cell. The hot branch is kept tiny: SwiftShader pays for the code
// of a branch that no lane takes.

struct Params { maps: u32, channels: u32, inH: u32, inW: u32, groups: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> threshold: array<f32>;
@group(0) @binding(3) var<storage, read_write> count: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> hot: array<u32>;

const WG = 64u;
const F32_MAX = 0x1.fffffep+127f;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid; // the dispatch may be folded in 2-D
  let inH = params.inH;
  let inW = params.inW;
  let cells = inH * inW;
  let C = params.channels;
  let groups = params.groups;
  if (g >= groups * cells) { return; }
  let first = g / cells;
  let cell = g - first * cells;
  let ci = cell / inW;
  let cj = cell - ci * inW;
  let ci1 = min(ci + 1u, inH - 1u);
  let cj1 = min(cj + 1u, inW - 1u);
  let o01 = ci * inW + cj1;
  let o10 = ci1 * inW + cj;
  let o11 = ci1 * inW + cj1;
  let stepC = groups % C;
  var c = first % C;
  for (var m = first; m < params.maps; m += groups) {
    let base = m * cells;
    let c00 = a[base + cell];
    let c01 = a[base + o01];
    let c10 = a[base + o10];
    let c11 = a[base + o11];
    let t = threshold[c];
    let top = max(max(c00, c01), max(c10, c11));
    let size = max(max(abs(c00), abs(c01)), max(abs(c10), abs(c11)));
    if (t <= F32_MAX && top + (size + abs(t)) * 0x1p-16f >= t) { hot[atomicAdd(&count[0], 1u)] = base + cell; }
    c += stepC;
    if (c >= C) { c -= C; }
  }
}
