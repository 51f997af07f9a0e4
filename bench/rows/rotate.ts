// The random rotation of Activation Maximization (engine.ops.rotate / engine.grad.rotate), forward
// and backward, at the AM batches it runs on: the default model's 8 x 3 x 64 x 64 and SqueezeNet's
// 8 x 3 x 224 x 224. Memory rows: the least traffic is the image read once and written once. No
// peer: TF.js's rotateWithOffset samples the nearest pixel and has no gradient.
// The backward is a gather over a box of about 4 x 4 output pixels per input pixel (at small
// angles), so it costs a few times the forward; next to the network's own forward and input
// gradient it is small. Measured on SwiftShader (2 shared cores, under load from other runs),
// 2026-12-03, 10 degrees, medians: at 8 x 3 x 64 x 64 forward 3.5-4.6 ms, backward 20-29 ms,
// against 218 ms for the default model's forward + input gradient of the same batch (one AM step:
// about +10%); at 8 x 3 x 224 x 224 forward 93 ms, backward 570 ms.

import type { Row } from '../harness.ts';
import { randomData, sizeOf } from '../api.ts';
import { nchw } from './pool.ts';

const F32 = 4;

export function rotateRows({ quick = false }: { quick?: boolean } = {}): Row[] {
  const shapes = quick ? [[1, 3, 56, 56]] : [[8, 3, 64, 64], [8, 3, 224, 224]];
  const rows: Row[] = [];
  for (const shape of shapes) {
    for (const backward of [false, true]) {
      rows.push({
        group: 'AM random rotation',
        name: `rotate ${backward ? 'backward' : 'forward'}`,
        shape: `${nchw(shape)}, 10 degrees`,
        kind: 'memory',
        bytes: 2 * sizeOf(shape) * F32,
        prepare: ({ engine }) => {
          const x = engine.tensor(randomData(sizeOf(shape), 21), shape);
          return {
            ours: () => (backward ? engine.grad.rotate(x, 10) : engine.ops.rotate(x, 10)),
            dispose: () => x.dispose(),
          };
        },
      });
    }
  }
  return rows;
}
