// MaxUnpool as a gather, also max-pool's backward: out[e] collects y[j] from every pooling window
// j whose switch points at element e. Each thread computes 4 horizontally adjacent elements of one
// row of out: thread t -> plane p, row h, columns w = 4 * segment + (0, 1, 2, 3) (vec4 lanes).
// Only the windows that can cover those elements are visited (their range is computed once), and
// a window's switch is compared with the four elements' flat indices: no atomics, no scatter.
//   accumulate 0 (MaxUnpool): a hit replaces the value, so the last window in scan order wins,
//                             as in ONNX's scatter out[switches[j]] = y[j].
//   accumulate 1 (backward):  hits are summed (an element can be the maximum of several windows).
// Switches are flat indices into the whole out tensor; planeOffset says which plane of it this
// dispatch's plane 0 is (large tensors are processed in chunks of planes).

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, outH: i32, outW: i32, segments: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  planeOffset: i32, accumulate: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> switches: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;

// The windows [first, last] along one axis whose span [o * stride - pad, o * stride - pad + reach]
// meets [lo, hi] (lo >= 0).
fn windowRange(lo: i32, hi: i32, stride: i32, pad: i32, reach: i32, count: i32) -> vec2<i32> {
  let reachBack = lo + pad - reach;
  let first = select(0, (reachBack + stride - 1) / stride, reachBack > 0);
  return vec2(first, min(count - 1, (hi + pad) / stride));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.outH * params.segments) { return; }
  let segment = t % params.segments;
  let row = t / params.segments; // plane * outH + h
  let h = row % params.outH;
  let plane = row / params.outH;
  let w = 4 * segment;

  let rows = windowRange(h, h, params.sH, params.padT, (params.kH - 1) * params.dH, params.pooledH);
  let cols = windowRange(w, w + 3, params.sW, params.padL, (params.kW - 1) * params.dW, params.pooledW);
  let me = (params.planeOffset * params.outH + row) * params.outW + w + vec4(0, 1, 2, 3);
  let add = params.accumulate != 0u;

  var acc = vec4(0.0);
  for (var oh = rows.x; oh <= rows.y; oh++) {
    let base = (plane * params.pooledH + oh) * params.pooledW;
    for (var ow = cols.x; ow <= cols.y; ow++) {
      let hit = me == vec4(switches[base + ow]);
      let v = vec4(y[base + ow]);
      acc = select(acc, select(v, acc + v, add), hit);
    }
  }

  let o = row * params.outW + w;
  for (var k = 0; k < 4; k++) {
    if (w + k < params.outW) { out[o + k] = acc[k]; }
  }
}
