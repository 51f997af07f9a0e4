// Row reductions: out[outBase + r] = scale * OP over k < length of x[base + r * rowStride + k * elemStride],
// for each row r < rows. A team of `team` threads (a power of two dividing WG) shares a row: team
// member j folds k = j, j + team, ... into 4 interleaved accumulators; then the team combines its
// values in a workgroup-memory tree. A workgroup holds WG / team rows, so short rows (a 7x7 map)
// keep every thread busy and long rows (a 224x224 map) are split across a whole workgroup.
//   OP 0 sum    OP 1 sum of squares    OP 2 max    OP 3 min
// rowStride = length, elemStride = 1 reduces contiguous rows ([N*C, H*W] -> [N*C]);
// rowStride = 1, elemStride = C reduces columns ([N, C] -> [C]).

struct Params { rows: u32, length: u32, rowStride: u32, elemStride: u32, team: u32, base: u32, outBase: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 256;
override OP: u32 = 0;

var<workgroup> partial: array<f32, WG>;

// The accumulators' start: 0 for sums; for max and min, the row's first element (no infinities:
// WGSL implementations may assume there are none).
fn start(first: f32) -> f32 {
  return select(0.0, first, OP >= 2u);
}

// Folds one element into an accumulator (squaring it for OP 1).
fn fold(acc: vec4f, v: vec4f) -> vec4f {
  switch OP {
    case 1u: { return acc + v * v; }
    case 2u: { return max(acc, v); }
    case 3u: { return min(acc, v); }
    default: { return acc + v; }
  }
}

fn combine(a: f32, b: f32) -> f32 {
  switch OP {
    case 2u: { return max(a, b); }
    case 3u: { return min(a, b); }
    default: { return a + b; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let team = params.team;
  let w = wid.x + wid.y * nwg.x;
  let r = w * (WG / team) + lid / team;
  let j = lid % team;
  if (w * (WG / team) >= params.rows) { return; } // the overhang of a 2-D grid: the whole workgroup leaves

  var acc = vec4f(0.0);
  if (r < params.rows) {
    let row = params.base + r * params.rowStride;
    acc = vec4f(start(x[row]));
    let es = params.elemStride;
    let len = params.length;
    var k = j;
    // 4 elements per step into 4 accumulators (independent dependency chains), then the tail.
    for (; k + 3u * team < len; k += 4u * team) {
      let i = row + k * es;
      let t = team * es;
      acc = fold(acc, vec4f(x[i], x[i + t], x[i + 2u * t], x[i + 3u * t]));
    }
    for (; k < len; k += team) {
      acc.x = fold(vec4f(acc.x), vec4f(x[row + k * es])).x;
    }
  }
  partial[lid] = combine(combine(acc.x, acc.y), combine(acc.z, acc.w));
  workgroupBarrier();

  for (var s = team / 2u; s > 0u; s >>= 1u) {
    if (j < s) { partial[lid] = combine(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (j == 0u && r < params.rows) { out[params.outBase + r] = partial[lid] * params.scale; }
}
