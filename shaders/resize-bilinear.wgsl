// ONNX Resize, mode linear, coordinate_transformation_mode half_pixel, over H and W of NCHW:
//   source row of output row oy: ys = (oy + 0.5) * inH / outH - 0.5, clamped to [0, inH - 1]
//   (the same as ONNX's edge padding), then y = lerp over rows floor(ys) and floor(ys) + 1,
//   and the same for columns.
// Thread mapping: one thread per output pixel and group of 4 planes (a plane is one (n, c));
// consecutive threads take consecutive pixels. The coordinates and weights are computed once
// and serve the thread's 4 planes. Tensors too large to bind whole are done in chunks of planes,
// which start xOff and yOff elements into the bound ranges.

struct Params {
  inH: u32, inW: u32, outH: u32, outW: u32,
  planes: u32,               // N * C
  total: u32,                // outH * outW * ceil(planes / 4): the number of threads
  ratioH: f32, ratioW: f32,  // in / out
  xOff: u32, yOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

/** Source index of the lower neighbour, the upper neighbour, and the upper one's weight. */
struct Taps { lo: u32, hi: u32, frac: f32 }

fn taps(outIndex: u32, ratio: f32, inSize: u32) -> Taps {
  let s = clamp((f32(outIndex) + 0.5) * ratio - 0.5, 0.0, f32(inSize - 1u));
  let lo = u32(floor(s));
  return Taps(lo, min(lo + 1u, inSize - 1u), s - floor(s));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.total) { return; }
  let outPixels = params.outH * params.outW;
  let pixel = t % outPixels;
  let plane0 = (t / outPixels) * 4u;
  let ty = taps(pixel / params.outW, params.ratioH, params.inH);
  let tx = taps(pixel % params.outW, params.ratioW, params.inW);
  let inPixels = params.inH * params.inW;
  let topLo = ty.lo * params.inW + tx.lo;
  let topHi = ty.lo * params.inW + tx.hi;
  let bottomLo = ty.hi * params.inW + tx.lo;
  let bottomHi = ty.hi * params.inW + tx.hi;

  for (var q = 0u; q < 4u; q++) {
    let plane = plane0 + q;
    if (plane >= params.planes) { return; }
    let src = params.xOff + plane * inPixels;
    let top = mix(x[src + topLo], x[src + topHi], tx.frac);
    let bottom = mix(x[src + bottomLo], x[src + bottomHi], tx.frac);
    y[params.yOff + plane * outPixels + pixel] = mix(top, bottom, ty.frac);
  }
}
