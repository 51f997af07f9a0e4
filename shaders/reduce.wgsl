// One pass of a full reduction: each thread folds 64 elements into one partial, with no
// workgroup memory and no barriers (they are what costs most on a CPU driver such as
// SwiftShader). Workgroup w covers the tile x[base + w * TILE ...], TILE = 64 * WG elements;
// thread t takes STEPS = 16 steps of 4 consecutive elements at 4 * t + s * 4 * WG within it
// (neighbouring threads read neighbouring vec4s) into a vec4 accumulator, and writes
// out[outOffset + w * WG + t]. Threads with no element write nothing, so the partials of a short
// last tile are a prefix of its slots. The host repeats the pass over the partials until one value
// remains: fixed tiles make the result deterministic, and the rounding error grows with
// log(n) rather than n.
//   OP 0 sum    OP 1 sum of squares    OP 2 max    OP 3 min
// `scale` multiplies every partial (1 / n on the last pass of a mean, 1 otherwise).

struct Params { n: u32, base: u32, outOffset: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
override OP: u32 = 0;
const STEPS = 16u;

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
  let w = wid.x + wid.y * nwg.x;
  let tile = STEPS * 4u * WG;
  let start = w * tile + lid * 4u; // this thread's first element
  if (start >= params.n) { return; }

  // Sums start at 0; max and min at an element of their own (no infinities: WGSL implementations
  // may assume there are none). Padding a short tile with that element changes nothing either.
  let first = x[params.base + start];
  let pad = select(0.0, first, OP >= 2u);
  var acc = vec4f(pad);
  if (w * tile + tile <= params.n) {
    for (var s = 0u; s < STEPS; s++) {
      let i = params.base + start + s * 4u * WG;
      acc = fold(acc, vec4f(x[i], x[i + 1u], x[i + 2u], x[i + 3u]));
    }
  } else {
    for (var s = 0u; s < STEPS; s++) {
      let i = start + s * 4u * WG;
      var v = vec4f(pad);
      if (i < params.n) { v.x = x[params.base + i]; }
      if (i + 1u < params.n) { v.y = x[params.base + i + 1u]; }
      if (i + 2u < params.n) { v.z = x[params.base + i + 2u]; }
      if (i + 3u < params.n) { v.w = x[params.base + i + 3u]; }
      acc = fold(acc, v);
    }
  }
  out[params.outOffset + w * WG + lid] = combine(combine(acc.x, acc.y), combine(acc.z, acc.w)) * params.scale;
}
