// Winograd F(2x2, 3x3), step 1 of 4: transforms 3x3 convolution weights, U = G g G^T, into the
// 4x4 = 16 components the product (winograd-product.wgsl) multiplies, laid out as it reads them:
//   u[g][block][xi][i][j] = U[xi] of (output channel block * 16 + j of group g, reduction channel i)
// (zero past the group's last output channel), so that one component's weights for a block of 16
// output channels are 4 vec4s. As in conv2d-pack-weights.wgsl the source layout comes as strides
// (OIHW or IOHW weights, used either way round), and `flip` reverses the taps.
//   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
// Threads: one per (group, block, reduction channel, output channel of the block).

struct Params {
  total: u32,        // threads: groups * blocks * groupI * 16
  blocks: u32,       // 16-channel blocks per group
  groupO: u32,       // output channels per group (of the convolution the product computes)
  groupI: u32,       // reduction channels per group
  strideGroup: u32,  // source strides of a group, an output channel and a reduction channel
  strideO: u32,
  strideI: u32,
  flip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> u: array<f32>;

override WG: u32 = 256;

/** G times the column (a, b, c): the 3 taps of one row or column of the kernel -> 4 components. */
fn expand(a: f32, b: f32, c: f32) -> vec4<f32> {
  return vec4<f32>(a, 0.5 * (a + b + c), 0.5 * (a - b + c), c);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= p.total) { return; }
  let j = t % 16u;
  var r = t / 16u;
  let i = r % p.groupI;
  r /= p.groupI;
  let outBlock = r % p.blocks;
  let g = r / p.blocks;
  let o = outBlock * 16u + j;

  // The 3x3 kernel, tap (ky, kx) at k[ky][kx] (reversed with flip); zero past the group's end.
  let source = g * p.strideGroup + min(o, p.groupO - 1u) * p.strideO + i * p.strideI;
  let keep = select(0.0, 1.0, o < p.groupO);
  var k: array<f32, 9>;
  for (var tap = 0u; tap < 9u; tap++) {
    k[tap] = keep * w[source + select(tap, 8u - tap, p.flip != 0u)];
  }
  // G g: each column of taps expanded to 4 rows; then (G g) G^T: each of those rows expanded.
  let c0 = expand(k[0], k[3], k[6]);
  let c1 = expand(k[1], k[4], k[7]);
  let c2 = expand(k[2], k[5], k[8]);
  let rows = array<vec4<f32>, 4>(
    expand(c0.x, c1.x, c2.x), expand(c0.y, c1.y, c2.y), expand(c0.z, c1.z, c2.z), expand(c0.w, c1.w, c2.w));

  // Component xi = 4 * row + column.
  let firstRow = (g * p.blocks + outBlock) * 16u;
  for (var xi = 0u; xi < 16u; xi++) {
    u[((firstRow + xi) * p.groupI + i) * 16u + j] = rows[xi / 4u][xi % 4u];
  }
}
