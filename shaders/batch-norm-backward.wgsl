// Batch normalization's backward, last stage: dx for y = xhat * scale + shift, with
// xhat = (x - mean) * r and r = 1 / sqrt(variance + epsilon), x and dy [N, C, HW]:
//   dx = scale * r * dy                                          (fixed, running statistics)
//   dx = scale * r * (dy - dshift / M - xhat * dscale / M)       (the batch's own statistics,
//        which depend on every x of the channel; M = N * HW values)
// dshift and dscale come from batch-norm-backward-sums.wgsl. Per channel both are a linear map
// dx = a * dy - b * x + d, whose factors a thread works out once for its channel.
// Threads: one per 4 consecutive elements, sharing a channel when HW is a multiple of 4 (ALIGNED).

struct Params {
  C: u32, HW: u32, total: u32,
  count: f32,            // M
  epsilon: f32,
  batchStatistics: u32,  // 1: mean and variance are this batch's
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> variance: array<f32>;
@group(0) @binding(5) var<storage, read> scale: array<f32>;
@group(0) @binding(6) var<storage, read> dscale: array<f32>;
@group(0) @binding(7) var<storage, read> dshift: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64;
override ALIGNED: bool = false;

/** (a, b, d) of dx = a * dy - b * x + d for channel c. */
fn factors(c: u32) -> vec3<f32> {
  let r = inverseSqrt(variance[c] + p.epsilon);
  let a = scale[c] * r;
  if (p.batchStatistics == 0u) { return vec3<f32>(a, 0.0, 0.0); }
  let b = a * r * dscale[c] / p.count;
  return vec3<f32>(a, b, b * mean[c] - a * dshift[c] / p.count);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  if (first >= p.total) { return; }
  if (ALIGNED) {
    // Written out: a loop trip costs more than its body here.
    let f = factors((first / p.HW) % p.C);
    dx[first] = f.x * dy[first] - f.y * x[first] + f.z;
    dx[first + 1u] = f.x * dy[first + 1u] - f.y * x[first + 1u] + f.z;
    dx[first + 2u] = f.x * dy[first + 2u] - f.y * x[first + 2u] + f.z;
    dx[first + 3u] = f.x * dy[first + 3u] - f.y * x[first + 3u] + f.z;
  } else {
    for (var i = first; i < min(first + 4u, p.total); i++) {
      let f = factors((i / p.HW) % p.C);
      dx[i] = f.x * dy[i] - f.y * x[i] + f.z;
    }
  }
}
