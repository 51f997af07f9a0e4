// The copy probe: a plain buffer-to-buffer copy kernel (shaders/copy.wgsl). Its bandwidth is what
// the memory-bound rows are stated as a fraction of. Bench-only, so it lives here and not in engine.ops.

import type { Engine } from '../src/engine/engine.ts';
import type { Tensor } from '../src/engine/tensor.ts';

const WG = 256;
const PER_THREAD = 16;

/** Records dst = src; both must have the same size, a multiple of 4 elements. */
export function copyInto(engine: Engine, src: Tensor, dst: Tensor): void {
  if (src.size !== dst.size || src.size % 4 !== 0) {
    throw new Error(`copy: src [${src.shape}] and dst [${dst.shape}] must have the same size, a multiple of 4`);
  }
  const n4 = src.size / 4;
  engine.scoped('copy', () =>
    engine.run('copy', {
      bindings: { src, dst },
      uniforms: { n4 },
      overrides: { WG, PER_THREAD },
      workgroups: Math.ceil(n4 / (WG * PER_THREAD)),
    }),
  );
}
