// y[i] = f(x[i]) for the unary elementwise ops; `op` selects f (uniform across the dispatch, so
// the branch costs nothing). Each thread handles 4 consecutive elements.
//   op 0 relu:   max(x, 0)
//   op 1 affine: a * x + b            (scale, shift)
//   op 2 clamp:  clamp(x, a, b)
//   op 3 square: x * x
//   op 4 abs:    |x|
//   op 5 leaky:  x > 0 ? x : a * x

struct Params { n: u32, op: u32, a: f32, b: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256;

fn apply(v: f32) -> f32 {
  switch params.op {
    case 0u: { return max(v, 0.0); }
    case 1u: { return params.a * v + params.b; }
    case 2u: { return clamp(v, params.a, params.b); }
    case 3u: { return v * v; }
    case 4u: { return abs(v); }
    case 5u: { return select(params.a * v, v, v > 0.0); }
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var k = 0u; k < 4u; k++) {
    let i = first + k;
    if (i < params.n) { y[i] = apply(x[i]); }
  }
}
