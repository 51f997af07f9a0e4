// Top-k, merge stage. The input holds `lists` sorted lists of k (value, index) pairs per row
// (valuesIn / indicesIn: [rows, lists, k]). Workgroup (g, r) merges lists [g * perGroup, ...) of
// row r: thread t scans lists t, t + WG, ... keeping its best k sorted in private memory, and
// stops scanning a list at its first entry that does not beat the thread's k-th (the list is
// sorted, so neither does the rest). The WG lists are merged pairwise in workgroup memory and
// thread 0 writes the best k to values / indices[(r * groups + g) * k ...]. Rows come in batches
// of at most 65,535 (the grid's y) from rowBase.
// Order: the larger value first; equal values by the lower index. Unused slots: index EMPTY.

struct Params { lists: u32, k: u32, perGroup: u32, groups: u32, rowBase: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> valuesIn: array<f32>;
@group(0) @binding(2) var<storage, read> indicesIn: array<i32>;
@group(0) @binding(3) var<storage, read_write> values: array<f32>;
@group(0) @binding(4) var<storage, read_write> indices: array<i32>;

override WG: u32 = 32;
const MAX_K = 64u;

var<private> bestV: array<f32, MAX_K>;
var<private> bestI: array<i32, MAX_K>;
var<private> mergedV: array<f32, MAX_K>;
var<private> mergedI: array<i32, MAX_K>;
var<workgroup> sharedV: array<f32, WG * MAX_K>;
var<workgroup> sharedI: array<i32, WG * MAX_K>;

const EMPTY = 0x7fffffff; // the index of an unused slot, which every element beats

// Whether (v, i) comes before (w, j): the larger value, or the lower index among equal values.
fn beats(v: f32, i: i32, w: f32, j: i32) -> bool {
  return i != EMPTY && (j == EMPTY || v > w || (v == w && i < j));
}

fn insert(v: f32, i: i32, k: u32) {
  var p = k - 1u;
  while (p > 0u && beats(v, i, bestV[p - 1u], bestI[p - 1u])) {
    bestV[p] = bestV[p - 1u];
    bestI[p] = bestI[p - 1u];
    p--;
  }
  bestV[p] = v;
  bestI[p] = i;
}

fn mergeWith(other: u32, k: u32) {
  var a = 0u;
  var b = other;
  for (var o = 0u; o < k; o++) {
    if (beats(bestV[a], bestI[a], sharedV[b], sharedI[b])) {
      mergedV[o] = bestV[a];
      mergedI[o] = bestI[a];
      a++;
    } else {
      mergedV[o] = sharedV[b];
      mergedI[o] = sharedI[b];
      b++;
    }
  }
  for (var o = 0u; o < k; o++) {
    bestV[o] = mergedV[o];
    bestI[o] = mergedI[o];
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let r = params.rowBase + wid.y;
  let k = params.k;
  for (var p = 0u; p < k; p++) {
    bestV[p] = 0.0;
    bestI[p] = EMPTY;
  }

  let end = min((g + 1u) * params.perGroup, params.lists);
  for (var l = g * params.perGroup + lid; l < end; l += WG) {
    let list = (r * params.lists + l) * k;
    for (var p = 0u; p < k; p++) {
      let v = valuesIn[list + p];
      let i = indicesIn[list + p];
      if (!beats(v, i, bestV[k - 1u], bestI[k - 1u])) { break; }
      insert(v, i, k);
    }
  }

  for (var p = 0u; p < k; p++) {
    sharedV[lid * k + p] = bestV[p];
    sharedI[lid * k + p] = bestI[p];
  }
  workgroupBarrier();
  for (var s = 1u; s < WG; s <<= 1u) {
    if (lid % (2u * s) == 0u) {
      mergeWith((lid + s) * k, k);
      for (var p = 0u; p < k; p++) {
        sharedV[lid * k + p] = bestV[p];
        sharedI[lid * k + p] = bestI[p];
      }
    }
    workgroupBarrier();
  }

  if (lid == 0u) {
    let out = (r * params.groups + g) * k;
    for (var p = 0u; p < k; p++) {
      values[out + p] = bestV[p];
      indices[out + p] = bestI[p];
    }
  }
}
