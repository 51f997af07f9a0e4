// Constant padding of H and W, and its adjoint (cropping): one thread per output element,
// y[n, c, h, w] = x[n, c, h - top, w - left] where that is inside x, else `value`.
// Padding uses top/left >= 0; cropping (the backward of padding) uses negative top/left.

struct Params { n: u32, inH: u32, inW: u32, outH: u32, outW: u32, top: i32, left: i32, value: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) { return; }
  let w = i32(i % params.outW);
  let h = i32((i / params.outW) % params.outH);
  let plane = i / (params.outW * params.outH);
  let sh = h - params.top;
  let sw = w - params.left;
  var v = params.value;
  if (sh >= 0 && sw >= 0 && sh < i32(params.inH) && sw < i32(params.inW)) {
    v = x[plane * params.inH * params.inW + u32(sh) * params.inW + u32(sw)];
  }
  y[i] = v;
}
