// dx for y = rotate(x) (see rotate-bilinear.wgsl), as a gather, without atomics: each input pixel
// q sums dy(p) times the weight q had in p's sample, over the output pixels p whose sample point
// s(p) = centre + A (p - centre) lies within one pixel of q. Those p lie in the image of the square
// q +- 1 under A^-1, whose bounding box is p0 +- e with p0 = centre + A^-1 (q - centre) and
// e = (|B00| + |B01|, |B10| + |B11|) (B = A^-1); the host widens e by a small margin against
// rounding and gives the box's fixed size (spanX x spanY), so every thread loops the same number of
// times. The weights are recomputed exactly as the forward computes them (the same samplePoint),
// and are 0 where q is not a tap of s(p) or p lies outside the image (reads are clamped instead of
// branched on: SwiftShader would run both sides of a branch).
// Thread mapping: one thread per input pixel and group of 4 planes (a plane is one (n, c)).
// Tensors too large to bind whole are done in chunks of planes, which start dyOff and dxOff
// elements into the bound ranges.

struct Params {
  height: u32, width: u32,
  planes: u32,                            // planes in this chunk
  total: u32,                             // H * W * ceil(planes / 4): the number of threads
  a00: f32, a01: f32, a10: f32, a11: f32, // A (the forward's), row-major, acting on (column, row)
  b00: f32, b01: f32, b10: f32, b11: f32, // B = A^-1
  centreX: f32, centreY: f32,
  reachX: f32, reachY: f32,               // e plus the margin
  spanX: u32, spanY: u32,                 // columns and rows of the box
  dyOff: u32, dxOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;

/** The sample point s(p) of output pixel (column px, row py): the forward's expression. */
fn samplePoint(px: i32, py: i32) -> vec2f {
  let dx = f32(px) - params.centreX;
  let dy = f32(py) - params.centreY;
  return vec2f(params.centreX + (params.a00 * dx + params.a01 * dy), params.centreY + (params.a10 * dx + params.a11 * dy));
}

/** The weight of tap index i in the bilinear sample at coordinate s along one axis (forward's). */
fn tapWeight(s: f32, i: f32) -> f32 {
  let lo = floor(s);
  let frac = s - lo;
  return select(0.0, 1.0 - frac, lo == i) + select(0.0, frac, lo + 1.0 == i);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.total) { return; }
  let w = i32(params.width);
  let h = i32(params.height);
  let pixels = params.height * params.width;
  let pixel = t % pixels;
  let plane0 = (t / pixels) * 4u;
  let qx = f32(pixel % params.width);
  let qy = f32(pixel / params.width);
  let ux = qx - params.centreX;
  let uy = qy - params.centreY;
  let p0x = params.centreX + params.b00 * ux + params.b01 * uy;
  let p0y = params.centreY + params.b10 * ux + params.b11 * uy;
  let firstX = i32(floor(p0x - params.reachX));
  let firstY = i32(floor(p0y - params.reachY));
  // Planes past the end read plane 0 (harmless) and are not written.
  let src = vec4u(plane0, plane0 + 1u, plane0 + 2u, plane0 + 3u);
  let offsets = params.dyOff + select(vec4u(0u), src, src < vec4u(params.planes)) * pixels;

  var acc = vec4f(0.0);
  for (var j = 0u; j < params.spanY; j++) {
    let py = firstY + i32(j);
    for (var i = 0u; i < params.spanX; i++) {
      let px = firstX + i32(i);
      let s = samplePoint(px, py);
      let inside = px >= 0 && px < w && py >= 0 && py < h;
      let weight = select(0.0, tapWeight(s.x, qx) * tapWeight(s.y, qy), inside);
      let at = u32(clamp(py, 0, h - 1) * w + clamp(px, 0, w - 1));
      acc += weight * vec4f(dy[offsets.x + at], dy[offsets.y + at], dy[offsets.z + at], dy[offsets.w + at]);
    }
  }
  for (var q = 0u; q < 4u; q++) {
    if (plane0 + q < params.planes) { dx[params.dxOff + (plane0 + q) * pixels + pixel] = acc[q]; }
  }
}
