// Top-k, first stage. Workgroup (g, r) takes the slice [g * chunk, (g + 1) * chunk) of row r of
// x ([rows, n], row r at base + r * n). Each thread strides through the slice by WG and keeps its
// best k (value, index) pairs sorted in private memory: an element enters only if it beats the
// current k-th, which soon becomes rare (about k * ln(m / k) insertions for m random elements). The WG sorted lists are then merged pairwise in workgroup
// memory (log2 WG rounds) and thread 0 writes the workgroup's best k, sorted, to
// values / indices[((rowOut + r) * groups + g) * k ...]. Rows come in batches of at most 65,535
// (the grid's y), `base` and `rowOut` placing the batch.
// Order: the larger value first; equal values by the lower index (the same rule everywhere).
// Unused slots have the index EMPTY, which every element beats (no infinities needed).

struct Params { n: u32, k: u32, chunk: u32, groups: u32, base: u32, rowOut: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

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

// Inserts (v, i) into the sorted list, dropping the last entry; the caller has checked that
// (v, i) beats the last entry.
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

// Merges this thread's list with the list in workgroup memory at `other`, keeping the best k.
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
  let r = wid.y;
  let k = params.k;
  for (var p = 0u; p < k; p++) {
    bestV[p] = 0.0;
    bestI[p] = EMPTY;
  }

  let row = params.base + r * params.n;
  let end = min((g + 1u) * params.chunk, params.n);
  for (var i = g * params.chunk + lid; i < end; i += WG) {
    let v = x[row + i];
    if (beats(v, i32(i), bestV[k - 1u], bestI[k - 1u])) { insert(v, i32(i), k); }
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
    let out = ((params.rowOut + r) * params.groups + g) * k;
    for (var p = 0u; p < k; p++) {
      values[out + p] = bestV[p];
      indices[out + p] = bestI[p];
    }
  }
}
