// out[i] = f(a[i], b[j]) for the binary elementwise ops. b is either the same size as a, or
// broadcast per channel (b has C values, a is NCHW with `inner` = H*W): j = (i / inner) % C.
// Each thread handles 4 consecutive elements.
//   op 0 add:  a + b            op 1 sub: a - b
//   op 2 mul:  a * b            op 3 axpy: alpha * a + b
//   op 4 div:  a / b

struct Params { n: u32, op: u32, alpha: f32, broadcast: u32, inner: u32, channels: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 256;

fn apply(u: f32, v: f32) -> f32 {
  switch params.op {
    case 0u: { return u + v; }
    case 1u: { return u - v; }
    case 2u: { return u * v; }
    case 3u: { return params.alpha * u + v; }
    case 4u: { return u / v; }
    default: { return u; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  for (var k = 0u; k < 4u; k++) {
    let i = first + k;
    if (i < params.n) {
      var j = i;
      if (params.broadcast == 1u) { j = (i / params.inner) % params.channels; }
      out[i] = apply(a[i], b[j]);
    }
  }
}
