// AveragePool's backward for windows that do not overlap (stride >= kernel, no dilation; e.g.
// 2x2/2), as a scatter: each window writes its share dy / count to its taps, which no other
// window has. Each thread handles 4 adjacent windows of one window row: thread t -> plane p,
// window row oh, windows ow0 + (0, 1, 2, 3) (the vec4 lanes), where ow0 = min(4 * segment,
// pooledW - 4): a row's last strip overlaps the one before it instead of running past the row's
// end (both write the same values there).
// A pass writes a block of BH x BW taps (the overrides, the kernel's size capped at 3), kernel
// rows 3 * blockH + [0, BH) and columns 3 * blockW + [0, BW); larger windows take several passes.
// No masks: a tap outside the input or past the kernel is replaced by the window's nearest tap
// inside both (clamped), which gets the same share. Elements in no window (between windows, or
// past the last one) are zeroed by the host beforehand.
// The divisor is the window's taps inside the input, or with includePad inside the padded input
// [-padT, inH + padB) x [-padL, inW + padR), as in avg-pool.wgsl.

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, inH: i32, inW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, padB: i32, padR: i32,
  includePad: u32, blockH: i32, blockW: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;
override BH: i32 = 3; // tap rows per pass
override BW: i32 = 3; // tap columns per pass

// Writes the 4 windows' shares to their taps on the input row starting at flat index `row`.
fn writeRow(row: i32, c0: vec4<i32>, c1: vec4<i32>, c2: vec4<i32>, share: vec4<f32>) {
  let i0 = row + c0;
  dx[i0.x] = share.x; dx[i0.y] = share.y; dx[i0.z] = share.z; dx[i0.w] = share.w;
  if (BW > 1) {
    let i1 = row + c1;
    dx[i1.x] = share.x; dx[i1.y] = share.y; dx[i1.z] = share.z; dx[i1.w] = share.w;
  }
  if (BW > 2) {
    let i2 = row + c2;
    dx[i2.x] = share.x; dx[i2.y] = share.y; dx[i2.z] = share.z; dx[i2.w] = share.w;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.pooledH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * pooledH + oh
  let oh = row % params.pooledH;
  let plane = row / params.pooledH;
  let ow0 = min(4 * segment, params.pooledW - 4);

  // The windows: where they start, and their tap counts (an interval along each axis).
  let top = oh * params.sH - params.padT;
  let left = (ow0 + vec4(0, 1, 2, 3)) * params.sW - params.padL;
  let pad = params.includePad != 0u;
  let countH = min(top + params.kH, params.inH + select(0, params.padB, pad)) - max(top, select(0, -params.padT, pad));
  let countW = min(left + params.kW, vec4(params.inW + select(0, params.padR, pad))) - max(left, vec4(select(0, -params.padL, pad)));
  let o = row * params.pooledW + ow0;
  let share = vec4(dy[o], dy[o + 1], dy[o + 2], dy[o + 3]) / vec4<f32>(countH * countW);

  // The pass's taps, clamped into the kernel and the input.
  let lastH = min(top + params.kH, params.inH) - 1; // the window's last row inside the input
  let firstH = max(top, 0);
  let kh = top + 3 * params.blockH;
  let rowBase = plane * params.inH;
  let lastW = min(left + params.kW, vec4(params.inW)) - 1;
  let firstW = max(left, vec4(0));
  let kw = left + 3 * params.blockW;
  let c0 = clamp(kw, firstW, lastW);
  let c1 = clamp(kw + 1, firstW, lastW);
  let c2 = clamp(kw + 2, firstW, lastW);
  writeRow((rowBase + clamp(kh, firstH, lastH)) * params.inW, c0, c1, c2, share);
  if (BH > 1) { writeRow((rowBase + clamp(kh + 1, firstH, lastH)) * params.inW, c0, c1, c2, share); }
  if (BH > 2) { writeRow((rowBase + clamp(kh + 2, firstH, lastH)) * params.inW, c0, c1, c2, share); }
}
