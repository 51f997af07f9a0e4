// One 1-D Gaussian pass along H (the columns of each of the `planes` = N*C planes of an NCHW
// tensor). Each thread computes a block of 8 rows x 4 columns, h0 .. h0+7 by w0 .. w0+3: it
// slides once down the 2r+8 input rows the block shares, loading 4 columns of each, and feeds the
// 8 output rows with the weights g[i], g[i-1], .., g[i-7] held in a shift register.
//
// weights: g[0 .. 2r] (tap k at g[k + r], normalized), then the cumulative sums
// cum[0 .. 2r+1] (cum[m] = g[0] + .. + g[m-1]), used only by the adjoint's border rows.
//
// adjoint 0: y[h] = sum_k g[k] x[clamp(h + k, 0, H-1)]              the forward, replicate border
// adjoint 1: the exact transpose, as a gather (see blur-rows.wgsl): zeros outside, and the border
//   rows 0 and H-1 recomputed with the summed weights of every tap the forward clamped onto them.

struct Params { planes: u32, height: u32, width: u32, rowBlocks: u32, quads: u32, radius: u32, adjoint: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

// 4 columns w0 .. w0+3 of row h (columns past the edge repeat the last one; they are not stored).
fn load4(plane: u32, h: i32, w0: u32) -> vec4f {
  let base = (plane * params.height + u32(h)) * params.width;
  let last = params.width - 1u;
  return vec4f(x[base + min(w0, last)], x[base + min(w0 + 1u, last)], x[base + min(w0 + 2u, last)], x[base + min(w0 + 3u, last)]);
}

fn store4(plane: u32, h: i32, w0: u32, v: vec4f) {
  let base = (plane * params.height + u32(h)) * params.width;
  for (var k = 0u; k < 4u; k++) {
    if (w0 + k < params.width) { y[base + w0 + k] = v[k]; }
  }
}

// Sum of the weights of the taps k in [k0, k1] (clipped to [-r, r]); 0 when the range is empty.
fn tapSum(k0: i32, k1: i32) -> f32 {
  let r = i32(params.radius);
  let cum = 2u * params.radius + 1u;
  let hi = clamp(k1 + r + 1, 0, 2 * r + 1);
  let lo = clamp(k0 + r, 0, 2 * r + 1);
  if (hi <= lo) { return 0.0; }
  return weights[cum + u32(hi)] - weights[cum + u32(lo)];
}

// The transpose at a border row h: the rows i within reach, each weighted by the taps k with
// clamp(i + k) = h, i.e. i + k in [lo, hi], a range left open at the borders.
fn adjointAtBorder(plane: u32, h: i32, w0: u32) -> vec4f {
  let r = i32(params.radius);
  let last = i32(params.height) - 1;
  let lo = select(h, -r - 1, h == 0);
  let hi = select(h, last + r + 1, h == last);
  var acc = vec4f(0.0);
  for (var i = max(h - r, 0); i <= min(h + r, last); i++) {
    acc += load4(plane, i, w0) * tapSum(lo - i, hi - i);
  }
  return acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  let blocksPerPlane = params.rowBlocks * params.quads;
  if (id >= params.planes * blocksPerPlane) { return; }
  let plane = id / blocksPerPlane;
  let h0 = i32((id % blocksPerPlane) / params.quads * 8u);
  let w0 = (id % params.quads) * 4u;
  let last = i32(params.height) - 1;
  let r = i32(params.radius);
  let adjoint = params.adjoint == 1u;

  // Output row h0+t uses input row h0 - r + i with weight g[i - t]: lo holds it for t = 0..3,
  // hi for t = 4..7.
  var lo = vec4f(0.0);
  var hi = vec4f(0.0);
  var a0 = vec4f(0.0); // output row h0, columns w0 .. w0+3
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var a4 = vec4f(0.0);
  var a5 = vec4f(0.0);
  var a6 = vec4f(0.0);
  var a7 = vec4f(0.0);
  for (var i = 0; i < 2 * r + 8; i++) {
    let p = h0 - r + i;
    let v = select(vec4f(0.0), load4(plane, clamp(p, 0, last), w0), !adjoint || (p >= 0 && p <= last));
    hi = vec4f(lo.w, hi.xyz);
    lo = vec4f(select(0.0, weights[u32(min(i, 2 * r))], i <= 2 * r), lo.xyz);
    a0 += lo.x * v;
    a1 += lo.y * v;
    a2 += lo.z * v;
    a3 += lo.w * v;
    a4 += hi.x * v;
    a5 += hi.y * v;
    a6 += hi.z * v;
    a7 += hi.w * v;
  }
  store4(plane, h0, w0, a0);
  if (h0 + 1 <= last) { store4(plane, h0 + 1, w0, a1); }
  if (h0 + 2 <= last) { store4(plane, h0 + 2, w0, a2); }
  if (h0 + 3 <= last) { store4(plane, h0 + 3, w0, a3); }
  if (h0 + 4 <= last) { store4(plane, h0 + 4, w0, a4); }
  if (h0 + 5 <= last) { store4(plane, h0 + 5, w0, a5); }
  if (h0 + 6 <= last) { store4(plane, h0 + 6, w0, a6); }
  if (h0 + 7 <= last) { store4(plane, h0 + 7, w0, a7); }
  if (adjoint) {
    if (h0 == 0) { store4(plane, 0, w0, adjointAtBorder(plane, 0, w0)); }
    if (last - h0 < 8) { store4(plane, last, w0, adjointAtBorder(plane, last, w0)); }
  }
}
