// out[0] = addend[0] (when hasAddend) + the sum of `count` per-thread partial energies.
// A few threads each add a strided subset, then thread 0 adds theirs: one workgroup barrier, not
// the log2(WG) of a tree (on a CPU driver such as SwiftShader each barrier costs about as much as
// a small dispatch; the sums themselves are a few thousand additions).

struct Params { count: u32, hasAddend: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read> addend: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var total = 0.0;
  for (var i = lid; i < params.count; i += WG) { total += partials[i]; }
  sums[lid] = total;
  workgroupBarrier();
  if (lid == 0u) {
    var all = select(0.0, addend[0], params.hasAddend == 1u);
    for (var t = 0u; t < WG; t++) { all += sums[t]; }
    out[0] = all;
  }
}
