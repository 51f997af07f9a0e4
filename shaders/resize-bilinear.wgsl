// ONNX Resize, mode linear, coordinate_transformation_mode half_pixel, over H and W of NCHW:
//   source row of output row oy: ys = (oy + 0.5) * in_h / out_h - 0.5, clamped to [0, in_h - 1]
//   (the same as ONNX's edge padding), then y = lerp over rows floor(ys) and floor(ys) + 1,
//   and the same for columns.
// Thread mapping: one thread per output pixel and group of 4 planes (a plane is one (n, c));
// consecutive threads take consecutive pixels. The coordinates and weights are computed once
// and serve the thread's 4 planes.

struct Params {
  in_h: u32, in_w: u32, out_h: u32, out_w: u32,
  planes: u32,                 // N * C
  total: u32,                  // out_h * out_w * ceil(planes / 4): the number of threads
  ratio_h: f32, ratio_w: f32,  // in / out
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

/** Source index of the lower neighbour, the upper neighbour, and the upper one's weight. */
struct Taps { lo: u32, hi: u32, frac: f32 }

fn taps(out_index: u32, ratio: f32, in_size: u32) -> Taps {
  let s = clamp((f32(out_index) + 0.5) * ratio - 0.5, 0.0, f32(in_size - 1u));
  let lo = u32(floor(s));
  return Taps(lo, min(lo + 1u, in_size - 1u), s - floor(s));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.total) { return; }
  let out_pixels = params.out_h * params.out_w;
  let pixel = t % out_pixels;
  let plane0 = (t / out_pixels) * 4u;
  let ty = taps(pixel / params.out_w, params.ratio_h, params.in_h);
  let tx = taps(pixel % params.out_w, params.ratio_w, params.in_w);
  let in_pixels = params.in_h * params.in_w;
  let top_lo = ty.lo * params.in_w + tx.lo;
  let top_hi = ty.lo * params.in_w + tx.hi;
  let bottom_lo = ty.hi * params.in_w + tx.lo;
  let bottom_hi = ty.hi * params.in_w + tx.hi;

  for (var q = 0u; q < 4u; q++) {
    let plane = plane0 + q;
    if (plane >= params.planes) { return; }
    let src = plane * in_pixels;
    let top = mix(x[src + top_lo], x[src + top_hi], tx.frac);
    let bottom = mix(x[src + bottom_lo], x[src + bottom_hi], tx.frac);
    y[plane * out_pixels + pixel] = mix(top, bottom, ty.frac);
  }
}
