// dx for y = resizeBilinear(x) (see resize-bilinear.wgsl), as a gather: each input element sums
// the output gradients whose interpolation touched it, times the weight it had there. Output row
// oy touches input row iy only if its source coordinate lies in (iy - 1, iy + 1), so only the
// output rows in a small range are visited (one more on each side for rounding); the weight is
// recomputed exactly as the forward computes it (0 for rows that turn out not to touch).
// Thread mapping: one thread per input pixel and group of 4 planes (a plane is one (n, c));
// consecutive threads take consecutive pixels. The weights serve the thread's 4 planes. Tensors
// too large to bind whole are done in chunks of planes, which start dyOff and dxOff elements
// into the bound ranges.

struct Params {
  inH: u32, inW: u32, outH: u32, outW: u32,
  planes: u32,               // N * C
  total: u32,                // inH * inW * ceil(planes / 4): the number of threads
  ratioH: f32, ratioW: f32,  // in / out
  dyOff: u32, dxOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;

/** The weight with which output index `o` reads input index `i` along one axis (forward's taps). */
fn weight(o: u32, i: u32, ratio: f32, inSize: u32) -> f32 {
  let s = clamp((f32(o) + 0.5) * ratio - 0.5, 0.0, f32(inSize - 1u));
  let lo = u32(floor(s));
  let hi = min(lo + 1u, inSize - 1u);
  let frac = s - floor(s);
  return select(0.0, 1.0 - frac, lo == i) + select(0.0, frac, hi == i);
}

/** The output indices [first, last] whose source coordinate may lie within 1 of input index i. */
fn reach(i: u32, ratio: f32, outSize: u32) -> vec2u {
  // (o + 0.5) * ratio - 0.5 = i -/+ 1  <=>  o = (i -/+ 1 + 0.5) / ratio - 0.5
  let first = max(floor((f32(i) - 0.5) / ratio - 0.5) - 1.0, 0.0);
  let last = min(ceil((f32(i) + 1.5) / ratio - 0.5) + 1.0, f32(outSize - 1u));
  return vec2u(u32(first), u32(last));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.total) { return; }
  let inPixels = params.inH * params.inW;
  let outPixels = params.outH * params.outW;
  let pixel = t % inPixels;
  let plane0 = (t / inPixels) * 4u;
  let iy = pixel / params.inW;
  let ix = pixel % params.inW;
  let rows = reach(iy, params.ratioH, params.outH);
  let cols = reach(ix, params.ratioW, params.outW);
  // Planes past the end read plane 0 (harmless) and are not written.
  let src = vec4u(plane0, plane0 + 1u, plane0 + 2u, plane0 + 3u);
  let offsets = params.dyOff + select(vec4u(0u), src, src < vec4u(params.planes)) * outPixels;

  var acc = vec4f(0.0);
  for (var oy = rows.x; oy <= rows.y; oy++) {
    let wy = weight(oy, iy, params.ratioH, params.inH);
    if (wy == 0.0) { continue; }
    for (var ox = cols.x; ox <= cols.y; ox++) {
      let w = wy * weight(ox, ix, params.ratioW, params.inW);
      let at = oy * params.outW + ox;
      acc += w * vec4f(dy[offsets.x + at], dy[offsets.y + at], dy[offsets.z + at], dy[offsets.w + at]);
    }
  }
  for (var q = 0u; q < 4u; q++) {
    if (plane0 + q < params.planes) { dx[params.dxOff + (plane0 + q) * inPixels + pixel] = acc[q]; }
  }
}
