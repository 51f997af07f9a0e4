// Top-k, merge stage: one thread per (row, group), no workgroup memory or barriers. The input
// holds `lists` sorted lists of k (value, index) pairs per row (valuesIn / indicesIn:
// [rows, lists, k]). Thread t = r * groups + g merges lists [g * perGroup, (g + 1) * perGroup)
// of row r into its best k, sorted in private memory, and writes them to
// values / indices[(r * groups + g) * k ...]. A list is scanned only until its first entry that
// does not beat the thread's k-th: the list is sorted, so neither does the rest.
// Order: the larger value first (compared as sort keys, as in top-k.wgsl); equal values by the
// lower index. Unused slots: index EMPTY.

struct Params { lists: u32, k: u32, perGroup: u32, groups: u32, rows: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> valuesIn: array<f32>;
@group(0) @binding(2) var<storage, read> indicesIn: array<i32>;
@group(0) @binding(3) var<storage, read_write> values: array<f32>;
@group(0) @binding(4) var<storage, read_write> indices: array<i32>;

override WG: u32 = 64;
const MAX_K = 64u;
const EMPTY = 0x7fffffff;

var<private> bestK: array<u32, MAX_K>; // sort keys of the values
var<private> bestI: array<i32, MAX_K>;

// The float's bits as a u32 that orders like the float: negatives have all bits flipped, others
// the sign bit set. Comparing keys is exact where float compares may flush subnormals to zero,
// and orders -0 below +0 and NaN above +Infinity (IEEE's total order).
fn sortKey(v: f32) -> u32 {
  let u = bitcast<u32>(v);
  return select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
}

fn keyToFloat(key: u32) -> f32 {
  return bitcast<f32>(select(~key, key & 0x7fffffffu, (key & 0x80000000u) != 0u));
}

// Whether (key a, index i) comes before (key b, index j): the larger key, or the lower index
// among equal keys.
fn beats(a: u32, i: i32, b: u32, j: i32) -> bool {
  return i != EMPTY && (j == EMPTY || a > b || (a == b && i < j));
}

// Inserts (key, i) into the sorted list, dropping the last entry; the caller has checked that
// (key, i) beats the last entry.
fn insert(key: u32, i: i32, k: u32) {
  var p = k - 1u;
  while (p > 0u && beats(key, i, bestK[p - 1u], bestI[p - 1u])) {
    bestK[p] = bestK[p - 1u];
    bestI[p] = bestI[p - 1u];
    p--;
  }
  bestK[p] = key;
  bestI[p] = i;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  let r = t / params.groups;
  let g = t % params.groups;
  if (r >= params.rows) { return; }
  let k = params.k;
  for (var p = 0u; p < k; p++) {
    bestK[p] = 0u;
    bestI[p] = EMPTY;
  }

  let end = min((g + 1u) * params.perGroup, params.lists);
  for (var l = g * params.perGroup; l < end; l++) {
    let list = (r * params.lists + l) * k;
    for (var p = 0u; p < k; p++) {
      let key = sortKey(valuesIn[list + p]);
      let i = indicesIn[list + p];
      if (!beats(key, i, bestK[k - 1u], bestI[k - 1u])) { break; }
      insert(key, i, k);
    }
  }

  let out = (r * params.groups + g) * k;
  for (var p = 0u; p < k; p++) {
    values[out + p] = keyToFloat(bestK[p]);
    indices[out + p] = bestI[p];
  }
}
