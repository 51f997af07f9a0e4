// y = rotate(x): each plane (one (n, c)) of an NCHW tensor rotated, and optionally zoomed, about
// its centre, keeping H x W; bilinear sampling, zero outside the image:
//   y(p) = sum over the 4 taps q around s(p) of tent(s_x - q_x) tent(s_y - q_y) x(q),
//   s(p) = centre + A (p - centre)   (p, s, centre in (column, row); centre = ((W-1)/2, (H-1)/2))
// with A = R(-angle) / scale chosen on the host (src/ops/rotate.ts). A tap outside the image has
// its weight set to 0 (the read itself is clamped into the plane, so no branch is needed).
// Thread mapping: one thread per output pixel and group of 4 planes; the sample point and the
// 4 weights are computed once and serve the thread's 4 planes. Tensors too large to bind whole are
// done in chunks of planes, which start xOff and yOff elements into the bound ranges.
// rotate-bilinear-backward.wgsl computes s(p) with the same expression, so its weights are
// bit-for-bit these.

struct Params {
  height: u32, width: u32,
  planes: u32,                          // planes in this chunk
  total: u32,                           // H * W * ceil(planes / 4): the number of threads
  a00: f32, a01: f32, a10: f32, a11: f32, // A, row-major, acting on (column, row)
  centreX: f32, centreY: f32,
  xOff: u32, yOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

/** The sample point s(p) of output pixel (column px, row py). */
fn samplePoint(px: i32, py: i32) -> vec2f {
  let dx = f32(px) - params.centreX;
  let dy = f32(py) - params.centreY;
  return vec2f(params.centreX + (params.a00 * dx + params.a01 * dy), params.centreY + (params.a10 * dx + params.a11 * dy));
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
  let s = samplePoint(i32(pixel % params.width), i32(pixel / params.width));
  // Far outside, every tap is outside; the clamp keeps the integer conversion and + 1 in range.
  let lo = clamp(floor(s), vec2f(-2.0), vec2f(f32(w), f32(h)) + 1.0);
  let frac = s - floor(s);
  let c0 = i32(lo.x);
  let r0 = i32(lo.y);
  let c1 = c0 + 1;
  let r1 = r0 + 1;
  let wc0 = select(0.0, 1.0 - frac.x, c0 >= 0 && c0 < w);
  let wc1 = select(0.0, frac.x, c1 >= 0 && c1 < w);
  let wr0 = select(0.0, 1.0 - frac.y, r0 >= 0 && r0 < h);
  let wr1 = select(0.0, frac.y, r1 >= 0 && r1 < h);
  let i00 = u32(clamp(r0, 0, h - 1) * w + clamp(c0, 0, w - 1));
  let i01 = u32(clamp(r0, 0, h - 1) * w + clamp(c1, 0, w - 1));
  let i10 = u32(clamp(r1, 0, h - 1) * w + clamp(c0, 0, w - 1));
  let i11 = u32(clamp(r1, 0, h - 1) * w + clamp(c1, 0, w - 1));

  for (var q = 0u; q < 4u; q++) {
    let plane = plane0 + q;
    if (plane >= params.planes) { return; }
    let base = params.xOff + plane * pixels;
    let top = wc0 * x[base + i00] + wc1 * x[base + i01];
    let bottom = wc0 * x[base + i10] + wc1 * x[base + i11];
    y[params.yOff + plane * pixels + pixel] = wr0 * top + wr1 * bottom;
  }
}
