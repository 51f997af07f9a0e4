// Network Dissection, pass 1, step 2 of a batch: count the batch's activations into each unit's
// histogram (after dissect-range.wgsl has widened the range to hold them). Value v of unit c goes
// to bin floor(v / 2^level) - base (state[4c], state[4c + 1]). Workgroup (g, c) takes elements
// k in [g * chunk, (g + 1) * chunk) of unit c (k = n * hw + j, x[n * chw + c * hw + j]), counts
// them in workgroup memory, and adds its non-zero bins to hist[c * BINS + bin].

struct Params { count: u32, hw: u32, chw: u32, chunk: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<i32>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;

const WG = 64u;
const BINS = 2048u;

var<workgroup> local: array<atomic<u32>, BINS>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.y;
  for (var b = lid; b < BINS; b += WG) { atomicStore(&local[b], 0u); }
  workgroupBarrier();
  let level = state[4u * c];
  let base = state[4u * c + 1u];
  let start = wid.x * params.chunk;
  let end = min(start + params.chunk, params.count);
  for (var k = start + lid; k < end; k += WG) {
    let n = k / params.hw;
    let v = x[n * params.chw + c * params.hw + (k - n * params.hw)];
    let bin = i32(floor(ldexp(v, -level))) - base;
    atomicAdd(&local[u32(clamp(bin, 0, i32(BINS) - 1))], 1u);
  }
  workgroupBarrier();
  for (var b = lid; b < BINS; b += WG) {
    let total = atomicLoad(&local[b]);
    if (total != 0u) { atomicAdd(&hist[c * BINS + b], total); }
  }
}
