// MaxPool's backward as a scatter-add into a zeroed dx: dx[switches[j]] += dy[j] for every window j.
// A switch points inside its own window (as maxPool2d makes them), so only windows that overlap
// can share one; the host splits the windows into phases that never overlap, one dispatch each, run in order: phase (phaseH, phaseW) holds the windows
// oh = phaseH + stepH * i, ow = phaseW + stepW * k, where stepH x stepW windows span at least a
// window (no atomics needed, and the sums run in a fixed order). Non-overlapping windows (e.g. 2x2/2)
// take one phase. Each thread handles 4 windows of its phase in one window row: thread t -> plane p,
// i, k = 4 * segment + (0, 1, 2, 3) (the vec4 lanes; lanes past the row's end do nothing).
// The first phase stores (FIRST: dx is zero there), later ones add. The host runs the phases over
// blocks of planes (planes firstPlane .. firstPlane + planes - 1 of the bound ones), so that the
// phases after the first find a block's dx still in the CPU's cache. Switches are flat indices
// into the whole dx tensor; planeOffset says which plane of it the bound plane 0 is (large
// tensors are bound in chunks of planes).

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, planeSize: i32, rows: i32, segments: i32,
  phaseH: i32, phaseW: i32, stepH: i32, stepW: i32, firstPlane: i32, planeOffset: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> switches: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;
override FIRST: bool = true; // the first phase: dx is still zero, store instead of adding

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.rows * params.segments) { return; }
  let segment = t % params.segments;
  let planeRow = t / params.segments; // plane * rows + i
  let i = planeRow % params.rows;
  let plane = params.firstPlane + planeRow / params.rows;

  let oh = params.phaseH + params.stepH * i;
  let ow = params.phaseW + params.stepW * (4 * segment + vec4(0, 1, 2, 3));
  let real = ow < vec4(params.pooledW);
  let j = (plane * params.pooledH + oh) * params.pooledW + min(ow, vec4(params.pooledW - 1));
  let g = vec4(dy[j.x], dy[j.y], dy[j.z], dy[j.w]);
  let e = vec4(switches[j.x], switches[j.y], switches[j.z], switches[j.w]) - params.planeOffset * params.planeSize;
  if (FIRST) {
    if (real.x) { dx[e.x] = g.x; }
    if (real.y) { dx[e.y] = g.y; }
    if (real.z) { dx[e.z] = g.z; }
    if (real.w) { dx[e.w] = g.w; }
  } else {
    if (real.x) { dx[e.x] += g.x; }
    if (real.y) { dx[e.y] += g.y; }
    if (real.z) { dx[e.z] += g.z; }
    if (real.w) { dx[e.w] += g.w; }
  }
}
