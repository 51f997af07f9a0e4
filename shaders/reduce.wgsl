// One pass of a full reduction over fixed tiles. Workgroup w reduces the tile of TILE = 16 * WG
// elements x[base + w * TILE ...] to one value, written to out[outOffset + w]. Thread t folds 16
// elements into a vec4 accumulator: STEPS steps of 4 consecutive elements, at 4 * t + s * 4 * WG
// within the tile; then the WG per-thread values are combined in a workgroup-memory tree.
// The host runs this pass again over the partials until one value remains, so the rounding
// error grows with log(n) rather than n, and fixed tiles make the result deterministic.
//   OP 0 sum    OP 1 sum of squares    OP 2 max    OP 3 min
// `scale` multiplies the result (1 / n for a mean on the last pass, 1 otherwise).

struct Params { n: u32, base: u32, outOffset: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 256;
override OP: u32 = 0;
const STEPS = 4u;

var<workgroup> partial: array<f32, WG>;

// The value that pads a short tile: 0 for sums; for max and min, an element of the tile itself
// (no infinities: WGSL implementations may assume there are none).
fn padding(first: f32) -> f32 {
  return select(0.0, first, OP >= 2u);
}

fn combine4(a: vec4f, b: vec4f) -> vec4f {
  switch OP {
    case 1u: { return a + b * b; }
    case 2u: { return max(a, b); }
    case 3u: { return min(a, b); }
    default: { return a + b; }
  }
}

// Combines two partial results (already squared for OP 1).
fn combine(a: f32, b: f32) -> f32 {
  switch OP {
    case 2u: { return max(a, b); }
    case 3u: { return min(a, b); }
    default: { return a + b; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  let tile = STEPS * 4u * WG;
  let start = w * tile;
  if (start >= params.n) { return; } // the overhang of a 2-D grid: the whole workgroup leaves

  let pad = padding(x[params.base + start]);
  var acc = vec4f(pad);
  if (start + tile <= params.n) {
    // A full tile: no bounds checks.
    for (var s = 0u; s < STEPS; s++) {
      let i = params.base + start + s * 4u * WG + lid * 4u;
      acc = combine4(acc, vec4f(x[i], x[i + 1u], x[i + 2u], x[i + 3u]));
    }
  } else {
    for (var s = 0u; s < STEPS; s++) {
      let i = start + s * 4u * WG + lid * 4u;
      var v = vec4f(pad);
      if (i < params.n) { v.x = x[params.base + i]; }
      if (i + 1u < params.n) { v.y = x[params.base + i + 1u]; }
      if (i + 2u < params.n) { v.z = x[params.base + i + 2u]; }
      if (i + 3u < params.n) { v.w = x[params.base + i + 3u]; }
      // Padding must not change the result: for a sum of squares, 0 squared is still 0.
      acc = combine4(acc, v);
    }
  }
  partial[lid] = combine(combine(acc.x, acc.y), combine(acc.z, acc.w));
  workgroupBarrier();

  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] = combine(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { out[params.outOffset + w] = partial[0] * params.scale; }
}
