// MaxUnpool as a gather, also max-pool's backward: out[e] collects y[j] from every pooling window
// j whose switch points at element e. Each thread computes a 2x4 tile of out, two rows of 4
// horizontally adjacent elements: thread t -> plane p, rows h = 2 * pair + (0, 1), columns
// w = 4 * segment + (0, 1, 2, 3) (vec4 lanes; rows and lanes past the end repeat the last one).
// A pass visits NR x NC windows (the overrides, 1 to 3 each): NR rows of windows ending
// passRow * NR rows above the last one covering row h + 1, and NC columns of windows starting
// NC * passCol after the first one covering column 4 * segment; the host runs as many passes as
// it takes to visit every window covering the tile. Each window's switch and value are read
// once for the 8 elements and its switch compared with their flat indices: no atomics, no
// scatter, and no loop (see max-pool.wgsl).
//   ACCUMULATE false (MaxUnpool): a hit replaces the value; windows are visited in row-major
//                   order, so the last one wins, as in ONNX's scatter out[switches[j]] = y[j].
//   ACCUMULATE true (backward): hits are summed (an element can be the maximum of several windows).
// Switches are flat indices into the whole out tensor; planeOffset says which plane of it this
// dispatch's plane 0 is (large tensors go in chunks of planes).

struct Params {
  planes: i32, pooledH: i32, pooledW: i32, outH: i32, outW: i32, pairs: i32, segments: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, reachW: i32,
  planeOffset: i32, passRow: i32, passCol: i32, first: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> switches: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
override ACCUMULATE: bool = false;
override NR: i32 = 3; // window rows per pass
override NC: i32 = 3; // window columns per pass

// The tile's two rows of 4 elements: their flat indices in the whole tensor, and their values.
struct Tile { meA: vec4<i32>, meB: vec4<i32>, a: vec4<f32>, b: vec4<f32> }

// Window j (if real: it exists) hands its value to the elements its switch points at.
fn visit(tile: Tile, j: i32, real: bool) -> Tile {
  let s = vec4(switches[j]);
  let v = vec4(y[j]);
  let hitA = vec4(real) & (tile.meA == s);
  let hitB = vec4(real) & (tile.meB == s);
  let a = select(tile.a, select(v, tile.a + v, ACCUMULATE), hitA);
  let b = select(tile.b, select(v, tile.b + v, ACCUMULATE), hitB);
  return Tile(tile.meA, tile.meB, a, b);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = i32((wid.x + wid.y * nwg.x) * WG + lid);
  if (t >= params.planes * params.pairs * params.segments) { return; }
  let segment = t % params.segments;
  let planePair = t / params.segments; // plane * pairs + pair
  let pair = planePair % params.pairs;
  let plane = planePair / params.pairs;

  let h = 2 * pair;
  let hB = min(h + 1, params.outH - 1);
  let w = min(4 * segment + vec4(0, 1, 2, 3), vec4(params.outW - 1));
  let oA = (plane * params.outH + h) * params.outW + w;
  let oB = (plane * params.outH + hB) * params.outW + w;
  let offset = params.planeOffset * params.outH * params.outW;

  // The pass's windows: rows oh .. oh + NR - 1 and columns ow .. ow + NC - 1, clamped to read
  // from, and whether each exists.
  let oh = (hB + params.padT) / params.sH - (params.passRow + 1) * NR + 1 + vec3(0, 1, 2);
  let reach = 4 * segment + params.padL - params.reachW; // first window column: ceil(reach / sW), at least 0
  let ow = select(0, (reach + params.sW - 1) / params.sW, reach > 0) + NC * params.passCol + vec3(0, 1, 2);
  let rows = (plane * params.pooledH + clamp(oh, vec3(0), vec3(params.pooledH - 1))) * params.pooledW;
  let cols = min(ow, vec3(params.pooledW - 1));
  let okH = (oh >= vec3(0)) & (oh < vec3(params.pooledH));
  let okW = ow < vec3(params.pooledW);

  var tile = Tile(oA + offset, oB + offset, vec4(0.0), vec4(0.0));
  if (params.first == 0u) {
    tile.a = vec4(out[oA.x], out[oA.y], out[oA.z], out[oA.w]);
    tile.b = vec4(out[oB.x], out[oB.y], out[oB.z], out[oB.w]);
  }
  // Windows in row-major order.
  tile = visit(tile, rows.x + cols.x, okH.x && okW.x);
  if (NC > 1) { tile = visit(tile, rows.x + cols.y, okH.x && okW.y); }
  if (NC > 2) { tile = visit(tile, rows.x + cols.z, okH.x && okW.z); }
  if (NR > 1) { tile = visit(tile, rows.y + cols.x, okH.y && okW.x); }
  if (NR > 1 && NC > 1) { tile = visit(tile, rows.y + cols.y, okH.y && okW.y); }
  if (NR > 1 && NC > 2) { tile = visit(tile, rows.y + cols.z, okH.y && okW.z); }
  if (NR > 2) { tile = visit(tile, rows.z + cols.x, okH.z && okW.x); }
  if (NR > 2 && NC > 1) { tile = visit(tile, rows.z + cols.y, okH.z && okW.y); }
  if (NR > 2 && NC > 2) { tile = visit(tile, rows.z + cols.z, okH.z && okW.z); }
  out[oA.x] = tile.a.x; out[oA.y] = tile.a.y; out[oA.z] = tile.a.z; out[oA.w] = tile.a.w;
  out[oB.x] = tile.b.x; out[oB.y] = tile.b.y; out[oB.z] = tile.b.z; out[oB.w] = tile.b.w;
}
