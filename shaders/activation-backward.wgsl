// dx[i] from dy[i] and the forward input x[i] for the piecewise-linear activations, a vec4 at a
// time. The mode:
//   0 relu 'gradient':  dy * (x > 0)            the true gradient (forward mask)
//   1 relu 'deconvnet': max(dy, 0)              rectify the backward signal, ignore the forward mask
//   2 relu 'guided':    max(dy, 0) * (x > 0)    guided backpropagation: both
//   3 leaky relu:       dy * (x > 0 ? 1 : a)
//   4 clamp:            dy * (a < x < b)
//   5 relu 'redirected': dy * (x > 0 or dy > 0)  Lucid's redirected gradient (AM's first steps)
// The mode is the override MODE, or, left at ANY_MODE, the uniform `mode` (see unary.wgsl: the ops
// set MODE, so that no switch on a uniform is left for a CPU driver to run every case of).
// Threads map to vec4s as in copy.wgsl; a last vec4 past the end of x, dy and dx runs in the room
// the engine leaves there (see unary.wgsl).

struct Params { n: u32, mode: u32, a: f32, b: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<f32>>;

const ANY_MODE = 0xffffffffu;
override MODE: u32 = ANY_MODE;
override WG: u32 = 256;
override PER_THREAD: u32 = 16;

fn rule(v: vec4<f32>, g: vec4<f32>) -> vec4<f32> {
  let zero = vec4(0.0);
  let open = v > zero;
  switch select(MODE, params.mode, MODE == ANY_MODE) {
    case 0u: { return select(zero, g, open); }
    case 1u: { return max(g, zero); }
    case 2u: { return select(zero, max(g, zero), open); }
    case 3u: { return select(params.a * g, g, open); }
    case 5u: { return select(zero, g, open | (g > zero)); }
    default: { return select(zero, g, (v > vec4(params.a)) & (v < vec4(params.b))); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n4 = (params.n + 3u) / 4u;
  let first = (wid.x + wid.y * nwg.x) * WG * PER_THREAD + lid;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = first + k * WG;
    if (i < n4) { dx[i] = rule(x[i], dy[i]); }
  }
}
