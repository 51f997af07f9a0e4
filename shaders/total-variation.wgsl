// Total variation R = sum over planes and pixels of s^(beta/2), s = dh^2 + dv^2,
// dh = x[i, j+1] - x[i, j], dv = x[i+1, j] - x[i, j] (a difference leaving the image is 0),
// and its gradient
//   grad[i, j] = q(i, j-1) dh(i, j-1) + q(i-1, j) dv(i-1, j) - q(i, j) (dh(i, j) + dv(i, j))
// with q = beta (s + eps)^(beta/2 - 1) (eps > 0 only for beta < 2, where q is singular at s = 0).
// Each thread computes a block of 4 rows x 4 columns of one plane, rows i0 .. i0+3 by
// j0 .. j0+3: it walks down the rows, reading rows i0-1 .. i0+4 once each (columns j0-1 .. j0+4)
// and carrying the q dv of the row above to the next, and writes the energy of its 16 pixels to
// partials[thread] (energy-sum.wgsl adds the partials; a workgroup reduction would need
// barriers, which cost far more than the extra partials on a CPU driver such as SwiftShader).

struct Params { planes: u32, height: u32, width: u32, rowBlocks: u32, quads: u32, beta: f32, exponent: f32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

override WG: u32 = 64;

// Row values at columns j0-1 (left), j0 .. j0+3 (mid) and j0+4 (right); 0 outside the plane.
struct Row { left: f32, mid: vec4f, right: f32 }

fn at(rowBase: u32, valid: bool, j: i32) -> f32 {
  let inside = valid && j >= 0 && j < i32(params.width);
  return select(0.0, x[rowBase + u32(clamp(j, 0, i32(params.width) - 1))], inside);
}

fn loadRow(planeBase: u32, i: i32, j0: i32) -> Row {
  let valid = i >= 0 && i < i32(params.height);
  let rowBase = planeBase + u32(clamp(i, 0, i32(params.height) - 1)) * params.width;
  let mid = vec4f(at(rowBase, valid, j0), at(rowBase, valid, j0 + 1), at(rowBase, valid, j0 + 2), at(rowBase, valid, j0 + 3));
  return Row(at(rowBase, valid, j0 - 1), mid, at(rowBase, valid, j0 + 4));
}

// q(s) = beta (s + eps)^(beta/2 - 1); for beta = 2 the power is 1, for beta > 2 it is 0 at s = 0.
fn slope(s: vec4f) -> vec4f {
  if (params.exponent == 0.0) { return vec4f(params.beta); }
  let b = s + params.eps;
  return params.beta * select(vec4f(0.0), pow(max(b, vec4f(1e-30)), vec4f(params.exponent)), b > vec4f(0.0));
}

fn slope1(s: f32) -> f32 {
  if (params.exponent == 0.0) { return params.beta; }
  let b = s + params.eps;
  return params.beta * select(0.0, pow(max(b, 1e-30), params.exponent), b > 0.0);
}

// s^(beta/2), exactly (no eps).
fn energy(s: vec4f) -> vec4f {
  if (params.exponent == 0.0) { return s; }
  return select(vec4f(0.0), pow(max(s, vec4f(1e-30)), vec4f(0.5 * params.beta)), s > vec4f(0.0));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  let blocksPerPlane = params.rowBlocks * params.quads;
  if (id >= params.planes * blocksPerPlane) { return; }
  let plane = id / blocksPerPlane;
  let i0 = i32((id % blocksPerPlane) / params.quads * 4u);
  let j0 = i32((id % params.quads) * 4u);
  let height = i32(params.height);
  let width = i32(params.width);
  let planeBase = plane * params.height * params.width;
  let cols = vec4i(j0) + vec4i(0, 1, 2, 3);
  let inside = cols < vec4i(width);
  let hasRight = cols + 1 < vec4i(width);

  var total = 0.0;
  var qdvAbove = vec4f(0.0); // q dv of the row above, which feeds this row
  var cur = loadRow(planeBase, i0 - 1, j0);
  for (var i = i0 - 1; i < min(i0 + 4, height); i++) {
    let below = loadRow(planeBase, i + 1, j0);
    let rowValid = i >= 0;
    let hasBelow = i + 1 < height;
    let dh = select(vec4f(0.0), vec4f(cur.mid.yzw, cur.right) - cur.mid, hasRight & vec4<bool>(rowValid));
    let dv = select(vec4f(0.0), below.mid - cur.mid, inside & vec4<bool>(rowValid && hasBelow));
    let s = dh * dh + dv * dv;
    let q = slope(s);
    if (i >= i0) {
      // The pixel to the left (column j0-1) feeds column j0 through its dh.
      let dhLeft = select(0.0, cur.mid.x - cur.left, j0 > 0);
      let dvLeft = select(0.0, below.left - cur.left, j0 > 0 && hasBelow);
      let qLeft = slope1(dhLeft * dhLeft + dvLeft * dvLeft);
      let qdh = q * dh;
      let g = vec4f(qLeft * dhLeft, qdh.xyz) + qdvAbove - q * (dh + dv);
      let rowBase = planeBase + u32(i) * params.width + u32(j0);
      for (var t = 0; t < 4; t++) {
        if (j0 + t < width) { grad[rowBase + u32(t)] = g[t]; }
      }
      total += dot(select(vec4f(0.0), energy(s), inside), vec4f(1.0));
    }
    qdvAbove = q * dv;
    cur = below;
  }
  partials[id] = total;
}
