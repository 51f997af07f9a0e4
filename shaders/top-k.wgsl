// Top-k, first stage: one thread per (row, list), no workgroup memory or barriers. Thread
// t = r * lists + l scans row r of x ([rows, n], row r at base + r * n) at columns l, l + lists,
// l + 2 * lists, ... (neighbouring threads read neighbouring elements) and keeps its best k
// (value, index) pairs sorted in private memory: an element enters only if it beats the current
// k-th, which soon becomes rare (about k * ln(m / k) insertions for m random elements). The sorted
// list goes to values / indices[((rowOut + r) * lists + l) * k ...]; top-k-merge.wgsl merges the
// lists of a row. Order: the larger value first (compared as sort keys: exact, -0 below +0, NaN
// above +Infinity); equal values by the lower index. Unused slots (a thread that saw fewer than k
// elements) have the index EMPTY, which every element beats.

struct Params { n: u32, k: u32, lists: u32, rows: u32, base: u32, rowOut: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

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
  let r = t / params.lists;
  let l = t % params.lists;
  if (r >= params.rows) { return; }
  let k = params.k;
  for (var p = 0u; p < k; p++) {
    bestK[p] = 0u;
    bestI[p] = EMPTY;
  }

  let row = params.base + r * params.n;
  // The k-th entry, kept in registers: most elements are compared with it and go no further.
  var lastK = 0u;
  var lastI = EMPTY;
  for (var i = l; i < params.n; i += params.lists) {
    let key = sortKey(x[row + i]);
    if (beats(key, i32(i), lastK, lastI)) {
      insert(key, i32(i), k);
      lastK = bestK[k - 1u];
      lastI = bestI[k - 1u];
    }
  }

  let out = ((params.rowOut + r) * params.lists + l) * k;
  for (var p = 0u; p < k; p++) {
    values[out + p] = keyToFloat(bestK[p]);
    indices[out + p] = bestI[p];
  }
}
