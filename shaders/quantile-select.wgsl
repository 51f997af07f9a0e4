// The select step of the exact radix select, one thread per channel c. After a histogram pass
// (quantile-histogram.wgsl), walk the channel's bins from the largest key down to find the bin
// holding the element of descending rank state[2c + 1]; append the bin's digit to the key prefix
// state[2c], subtract the counts of the higher bins from the rank, and clear the bins for the next
// pass. After the last pass the prefix is a whole key: write the float it encodes to out[c].

struct Params { channels: u32, bits: u32, last: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> hist: array<i32>;
@group(0) @binding(2) var<storage, read_write> state: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
const BINS = 2048u;

fn keyToFloat(key: u32) -> f32 {
  return bitcast<f32>(select(~key, key & 0x7fffffffu, (key & 0x80000000u) != 0u));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = (wid.x + wid.y * nwg.x) * WG + lid;
  if (c >= params.channels) { return; }
  let bins = 1u << params.bits;
  let rank = state[2u * c + 1u];
  var skipped = 0; // elements in the bins above the one found
  var found = 0u;
  var done = false;
  for (var b = bins; b > 0u; b--) {
    let bin = c * BINS + b - 1u;
    let h = hist[bin];
    hist[bin] = 0;
    if (!done) {
      if (rank < skipped + h) { found = b - 1u; done = true; } else { skipped += h; }
    }
  }
  let prefix = (bitcast<u32>(state[2u * c]) << params.bits) | found;
  state[2u * c] = bitcast<i32>(prefix);
  state[2u * c + 1u] = rank - skipped;
  if (params.last == 1u) { out[c] = keyToFloat(prefix); }
}
