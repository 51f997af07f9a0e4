// y[i] = f(x[i]) for the unary elementwise ops, a vec4 at a time. The op selects f:
//   op 0 relu:   max(x, 0)
//   op 1 affine: a * x + b            (scale, shift)
//   op 2 clamp:  clamp(x, a, b)
//   op 3 square: x * x
//   op 4 abs:    |x|
//   op 5 leaky:  x > 0 ? x : a * x
// The op is the override OP, or, left at ANY_OP, the uniform `op`. The ops set OP: a pipeline per
// op, with only its case left in it, because a CPU driver (SwiftShader) runs every case of a switch
// on a uniform (masked), which more than halves ReLU's speed.
// Threads map to vec4s as in copy.wgsl: a workgroup handles a block of WG * PER_THREAD vec4s, and
// thread `lid` vec4s lid, lid + WG, lid + 2 WG, ... of it. When n is not a multiple of 4, the last
// vec4 runs past the tensor's end into the room the engine leaves there (Engine.bufferResource):
// f of whatever is there is written there, and read by no one.

struct Params { n: u32, op: u32, a: f32, b: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

const ANY_OP = 0xffffffffu;
override OP: u32 = ANY_OP;
override WG: u32 = 256;
override PER_THREAD: u32 = 16;

fn apply(v: vec4<f32>) -> vec4<f32> {
  switch select(OP, params.op, OP == ANY_OP) {
    case 0u: { return max(v, vec4(0.0)); }
    case 1u: { return params.a * v + params.b; }
    case 2u: { return clamp(v, vec4(params.a), vec4(params.b)); }
    case 3u: { return v * v; }
    case 4u: { return abs(v); }
    case 5u: { return select(params.a * v, v, v > vec4(0.0)); }
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n4 = (params.n + 3u) / 4u;
  let first = (wid.x + wid.y * nwg.x) * WG * PER_THREAD + lid;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = first + k * WG;
    if (i < n4) { y[i] = apply(x[i]); }
  }
}
