// Network Inversion's two image priors (Mahendran & Vedaldi 2015) added to a loss's gradient in
// one pass, so that a step needs no separate prior kernels, sums and additions:
//   grad     = gradScale * base + alphaWeight * dR_a/dx + tvWeight * dR_TV/dx
//   partials = alphaWeight * R_a + tvWeight * R_TV over each thread's pixels (energy-sum.wgsl adds them)
// with R_a = sum |x|^alpha (its gradient alpha |x|^(alpha-1) sign(x), 0 at x = 0) and R_TV the
// total variation of total-variation.wgsl:
//   R_TV = sum s^(beta/2), s = dh^2 + dv^2, dh = x[i, j+1] - x[i, j], dv = x[i+1, j] - x[i, j]
//   dR_TV/dx[i, j] = q(i, j-1) dh(i, j-1) + q(i-1, j) dv(i-1, j) - q(i, j) (dh(i, j) + dv(i, j)),
//   q = beta (s + eps)^(beta/2 - 1)   (eps > 0 only for beta < 2, where q is singular at s = 0)
// (a difference leaving the image is 0). Each thread takes 4 neighbouring pixels of one row and
// reads the 7-point stencil they need: its row from j0-1 to j0+4, the row above from j0 to j0+4,
// the row below from j0-1 to j0+3. Straight-line code, no loop over rows: on a CPU driver
// (SwiftShader) total-variation.wgsl's walk down a 4 x 4 block, which reads each row once instead
// of three times, ran several times slower than these loads.
// What varies between calls is compiled in (overrides, a pipeline each): whether each prior and
// the loss's gradient are there, beta = 2 (q = 2, no power) and an integer alpha (|x|^(alpha-1)
// by multiplication). A CPU driver (SwiftShader) runs both sides of a branch on a uniform, masked:
// with the choices as uniforms, the powers of beta != 2 and the priors left out cost as much as
// the rest of the kernel. A prior whose weight is 0 is left out (its gradient could be infinite
// where the weight zeroes it).

struct Params {
  planes: u32, height: u32, width: u32, quads: u32,
  alpha: f32, alphaWeight: f32,
  beta: f32, exponent: f32, eps: f32, tvWeight: f32,
  gradScale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> base: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

override WG: u32 = 64;
override TV: bool = true; // tvWeight != 0
override ALPHA: bool = true; // alphaWeight != 0
override BASE: bool = true; // a loss gradient to add
override BETA_TWO: bool = false; // beta = 2: q = 2, energy s
override INT_ALPHA: u32 = 0; // alpha when it is a small whole number, else 0 (pow)

// q(s) = beta (s + eps)^(beta/2 - 1); for beta = 2 the power is 1, for beta > 2 it is 0 at s = 0.
fn slope(s: vec4f) -> vec4f {
  if (BETA_TWO) { return vec4f(2.0); }
  let b = s + params.eps;
  return params.beta * select(vec4f(0.0), pow(max(b, vec4f(1e-30)), vec4f(params.exponent)), b > vec4f(0.0));
}

// s^(beta/2), exactly (no eps).
fn energy(s: vec4f) -> vec4f {
  if (BETA_TWO) { return s; }
  return select(vec4f(0.0), pow(max(s, vec4f(1e-30)), vec4f(0.5 * params.beta)), s > vec4f(0.0));
}

// |x|^(alpha-1), taken as 0 at x = 0 (pow is undefined there, and singular for alpha < 1).
fn alphaPower(a: vec4f) -> vec4f {
  if (INT_ALPHA > 0u) {
    var p = vec4f(1.0);
    for (var k = 1u; k < INT_ALPHA; k++) { p *= a; }
    return p;
  }
  return select(vec4f(0.0), pow(max(a, vec4f(1e-30)), vec4f(params.alpha - 1.0)), a > vec4f(0.0));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  let perPlane = params.height * params.quads;
  if (id >= params.planes * perPlane) { return; }
  let planeBase = (id / perPlane) * params.height * params.width;
  let i = i32((id % perPlane) / params.quads);
  let j0 = i32((id % params.quads) * 4u);
  let width = i32(params.width);
  let cols = vec4i(j0) + vec4i(0, 1, 2, 3);
  let inside = cols < vec4i(width);
  let hasRight = cols + 1 < vec4i(width);
  let hasAbove = i > 0;
  let hasBelow = i + 1 < i32(params.height);

  // Columns j0 .. j0+3, j0-1 and j0+4 clamped into the row (what lies outside reads as 0), and
  // the rows i-1, i, i+1 likewise: each load is then an addition, a load and a select.
  let cm = vec4u(clamp(cols, vec4i(0), vec4i(width - 1)));
  let cl = u32(max(j0 - 1, 0));
  let cr = u32(min(j0 + 4, width - 1));
  let hasLeft = j0 > 0;
  let rightInside = j0 + 4 < width;
  let row = planeBase + u32(i) * params.width;
  let rowUp = select(row, row - params.width, hasAbove);
  let rowDown = select(row, row + params.width, hasBelow);
  let mid = select(vec4f(0.0), vec4f(x[row + cm.x], x[row + cm.y], x[row + cm.z], x[row + cm.w]), inside);
  var g = vec4f(0.0);
  var e = 0.0;
  if (TV) {
    let right = select(0.0, x[row + cr], rightInside);
    let left = select(0.0, x[row + cl], hasLeft);
    let up = select(vec4f(0.0), vec4f(x[rowUp + cm.x], x[rowUp + cm.y], x[rowUp + cm.z], x[rowUp + cm.w]), inside & vec4<bool>(hasAbove));
    let upRight = select(0.0, x[rowUp + cr], rightInside && hasAbove);
    let down = select(vec4f(0.0), vec4f(x[rowDown + cm.x], x[rowDown + cm.y], x[rowDown + cm.z], x[rowDown + cm.w]), inside & vec4<bool>(hasBelow));
    let downLeft = select(0.0, x[rowDown + cl], hasLeft && hasBelow);
    // This row's differences, and the row above's, which feed this row through dv.
    let dh = select(vec4f(0.0), vec4f(mid.yzw, right) - mid, hasRight);
    let dv = select(vec4f(0.0), down - mid, inside & vec4<bool>(hasBelow));
    let s = dh * dh + dv * dv;
    let q = slope(s);
    let dhUp = select(vec4f(0.0), vec4f(up.yzw, upRight) - up, hasRight & vec4<bool>(hasAbove));
    let dvUp = select(vec4f(0.0), mid - up, inside & vec4<bool>(hasAbove));
    let qUp = slope(dhUp * dhUp + dvUp * dvUp);
    // The pixel to the left (column j0-1) feeds column j0 through its dh.
    let dhLeft = select(0.0, mid.x - left, j0 > 0);
    let dvLeft = select(0.0, downLeft - left, j0 > 0 && hasBelow);
    let qLeft = slope(vec4f(dhLeft * dhLeft + dvLeft * dvLeft)).x;
    let qdh = q * dh;
    g = params.tvWeight * (vec4f(qLeft * dhLeft, qdh.xyz) + qUp * dvUp - q * (dh + dv));
    e = params.tvWeight * dot(select(vec4f(0.0), energy(s), inside), vec4f(1.0));
  }
  if (ALPHA) {
    let a = abs(mid);
    let p = alphaPower(a);
    g += params.alphaWeight * params.alpha * p * sign(mid);
    e += params.alphaWeight * dot(select(vec4f(0.0), p * a, inside), vec4f(1.0));
  }
  let k = row + u32(j0);
  if (BASE) {
    // Only the columns inside the row: k + t past its end may be past the tensor's end.
    grad[k] = g.x + params.gradScale * base[k];
    if (j0 + 1 < width) { grad[k + 1u] = g.y + params.gradScale * base[k + 1u]; }
    if (j0 + 2 < width) { grad[k + 2u] = g.z + params.gradScale * base[k + 2u]; }
    if (j0 + 3 < width) { grad[k + 3u] = g.w + params.gradScale * base[k + 3u]; }
  } else {
    grad[k] = g.x;
    if (j0 + 1 < width) { grad[k + 1u] = g.y; }
    if (j0 + 2 < width) { grad[k + 2u] = g.z; }
    if (j0 + 3 < width) { grad[k + 3u] = g.w; }
  }
  partials[id] = e;
}
