// Repacks convolution weights for conv2d.wgsl and conv-transpose2d.wgsl, which read, for one tap
// and one reduction channel, the weights of a block of 16 output channels as 4 vec4s:
//   packed[g][block][tap][i][j] = w[output channel block * 16 + j of group g, reduction channel i, tap]
// (zero past the group's last output channel). The source layout comes as strides, so one kernel
// serves OIHW (Conv) and IOHW (ConvTranspose) weights, used either way round. With `flip` the taps
// are reversed (tap t takes the weight of tap kH * kW - 1 - t), which turns a stride-1 transposed
// convolution into a direct one.
// Threads: one per packed element.

struct Params {
  total: u32,        // packed elements: groups * blocks * taps * groupI * 16
  blocks: u32,       // 16-channel blocks per group
  taps: u32,         // kH * kW
  groupO: u32,       // output channels per group (of the kernel that reads the packed weights)
  groupI: u32,       // reduction channels per group
  strideGroup: u32,  // source strides of a group, an output channel and a reduction channel
  strideO: u32,
  strideI: u32,
  flip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> packed: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * WG + lid;
  if (e >= p.total) { return; }
  let j = e % 16u;
  var r = e / 16u;
  let i = r % p.groupI;
  r /= p.groupI;
  let tap = r % p.taps;
  r /= p.taps;
  let outBlock = r % p.blocks;
  let g = r / p.blocks;
  let o = outBlock * 16u + j;
  let sourceTap = select(tap, p.taps - 1u - tap, p.flip != 0u);
  let source = g * p.strideGroup + min(o, p.groupO - 1u) * p.strideO + i * p.strideI + sourceTap;
  packed[e] = select(0.0, w[source], o < p.groupO);
}
