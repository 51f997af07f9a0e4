// One pass of an exact radix select: per channel, a histogram of one digit of the elements' sort
// keys. A key is the float's bits made monotone as a u32 (negatives: all bits flipped; others:
// sign bit set), so keys order like the floats. Pass 0 counts the top `bits` bits of every key;
// a later pass counts the digit at `shift` of only those keys whose higher bits equal the prefix
// the select kernel chose for the channel so far (state[2 * c]) (`matchPrefix` = 1 after pass 0).
// Channel c's elements are the k < count of x[base + n * chw + c * hw + j], k = n * hw + j (an NCHW
// tensor's channel; one contiguous run when there is one channel). Workgroup (g, c) takes
// k in [g * chunk, (g + 1) * chunk), each thread striding by WG; counts go to a histogram in
// workgroup memory, and its non-zero bins are added to the global hist[c * BINS + bin].

struct Params { count: u32, hw: u32, chw: u32, base: u32, chunk: u32, shift: u32, bits: u32, matchPrefix: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<i32>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<i32>>;

override WG: u32 = 64;
const BINS = 2048u;

var<workgroup> local: array<atomic<u32>, BINS>;

fn sortKey(v: f32) -> u32 {
  let u = bitcast<u32>(v);
  return select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
}

// Counts the key's digit if its higher bits match the prefix (or always, in pass 0).
fn count(key: u32, prefix: u32, above: u32, mask: u32) {
  if (params.matchPrefix == 0u || (key >> above) == prefix) {
    atomicAdd(&local[(key >> params.shift) & mask], 1u);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.y;
  for (var b = lid; b < BINS; b += WG) { atomicStore(&local[b], 0u); }
  workgroupBarrier();

  let start = wid.x * params.chunk;
  let end = min(start + params.chunk, params.count);
  let hw = params.hw;
  let mask = (1u << params.bits) - 1u;
  let prefix = bitcast<u32>(state[2u * c]);
  let above = params.shift + params.bits; // key bits above this digit, compared with the prefix (matchPrefix = 1)
  // (n, j) of k, advanced by WG per step without a division in the loop.
  var k = start + lid;
  var n = k / hw;
  var j = k - n * hw;
  let dn = WG / hw;
  let dj = WG - dn * hw;
  let channelBase = params.base + c * hw;
  // 4 elements per iteration: their loads are independent of the counting.
  for (; k + 3u * WG < end; k += 4u * WG) {
    var keys: vec4u;
    for (var e = 0u; e < 4u; e++) {
      keys[e] = sortKey(x[channelBase + n * params.chw + j]);
      j += dj;
      n += dn;
      if (j >= hw) { j -= hw; n += 1u; }
    }
    for (var e = 0u; e < 4u; e++) { count(keys[e], prefix, above, mask); }
  }
  for (; k < end; k += WG) {
    count(sortKey(x[channelBase + n * params.chw + j]), prefix, above, mask);
    j += dj;
    n += dn;
    if (j >= hw) { j -= hw; n += 1u; }
  }
  workgroupBarrier();

  for (var b = lid; b <= mask; b += WG) {
    let total = atomicLoad(&local[b]);
    if (total != 0u) { atomicAdd(&hist[c * BINS + b], i32(total)); }
  }
}
