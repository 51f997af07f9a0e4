// Strided row reductions, one thread per (row, segment), no workgroup memory or barriers:
//   out[outBase + s * rows + r] = scale * OP over k in [s * segLength, (s + 1) * segLength) ∩ [0, length)
//                                 of x[base + r * rowStride + k * elemStride]
// for thread t = s * rows + r. The thread folds 4 elements per step into 4 accumulators
// (independent dependency chains), then the tail. With one segment this is the reduction;
// long rows are split into segments whose [segments, rows] partials the host reduces in a
// second pass (as columns: rowStride 1, elemStride rows).
//   rowStride = H*W, elemStride = 1: the maps of an NCHW tensor, [N*C, H*W] -> [N*C]
//   rowStride = 1, elemStride = C: the columns of [N, C] -> [C]
//   OP 0 sum    OP 1 sum of squares    OP 2 max    OP 3 min

struct Params { rows: u32, length: u32, rowStride: u32, elemStride: u32, segLength: u32, base: u32, outBase: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
override OP: u32 = 0;

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
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  let r = t % params.rows;
  let s = t / params.rows;
  let k0 = s * params.segLength;
  if (k0 >= params.length) { return; }
  let k1 = min(k0 + params.segLength, params.length);
  let row = params.base + r * params.rowStride;
  let es = params.elemStride;

  // Sums start at 0; max and min at the segment's first element (no infinities: WGSL
  // implementations may assume there are none).
  var acc = vec4f(select(0.0, x[row + k0 * es], OP >= 2u));
  var k = k0;
  for (; k + 4u <= k1; k += 4u) {
    let i = row + k * es;
    acc = fold(acc, vec4f(x[i], x[i + es], x[i + 2u * es], x[i + 3u * es]));
  }
  for (; k < k1; k++) {
    acc.x = fold(vec4f(acc.x), vec4f(x[row + k * es])).x;
  }
  out[params.outBase + t] = combine(combine(acc.x, acc.y), combine(acc.z, acc.w)) * params.scale;
}
