// Activation Maximization's cost ratios (GitHub issue 13), pairs of rows in one group, ours only
// (TF.js has no AM):
//   - AM for S steps vs S bare forward + input-gradient passes of the same batch (goal: one AM
//     step at most 1.3x a pass; AM's run also holds its set-up and the final forward that measures
//     the activation, so the ratio slightly overstates the per-step cost);
//   - a batch of 8 restarts vs one (goal: well under 8x).
// Read the ratio of each pair's times in the table.
//
// Measured on SwiftShader (2 shared cores under a heavy load from other test runs, so the spread is
// wide), 2026-12-03, default model, conv4 unit 5, 8 steps, medians of 3:
//   AM / passes, batch 1:   wall clock 1043 / 695 ms = 1.50x; GPU timestamps 1496 / 730 ms = 2.05x
//                           (timestamps count the idle gaps of the per-step read-back of the trace)
//   AM / passes, batch 8:   wall clock 6432 / 6291 ms = 1.02x; timestamps 9705 / 10889 ms = 0.89x
//   8 restarts / 1:         wall clock 6432 / 1043 ms = 6.2x; timestamps 9705 / 1496 = 6.5x
// At batch 1 the small model's step is mostly fixed costs (a dozen tiny dispatches and a read-back
// per step, the set-up and the final forward); at batch 8 the step costs what the pass costs.

import type { BenchContext, Prepared, Row } from '../harness.ts';
import type { Model } from '../../src/models/model.ts';
import { activationMaximization } from '../../src/methods/activation-maximization/index.ts';
import { defaultModel, squeezeNet, type ModelSource } from './networks.ts';

interface Case {
  source: ModelSource;
  layer: string;
  unit: number;
  steps: number;
  /** Whether the batch-8 rows run (SqueezeNet's take minutes a run on SwiftShader: only with --full). */
  batch8: 'always' | 'full';
}

const CASES: Case[] = [
  { source: defaultModel, layer: 'conv4', unit: 5, steps: 8, batch8: 'always' },
  { source: squeezeNet, layer: 'fire7', unit: 10, steps: 4, batch8: 'full' },
];

function row(c: Case, name: string, shape: string, work: (m: Model, ctx: BenchContext) => () => Promise<unknown>): Row {
  return {
    group: `AM ${c.source.group}`,
    name,
    shape,
    kind: 'compute',
    async prepare(ctx): Promise<Prepared> {
      const { model, note } = await c.source.load(ctx);
      return { ours: work(model, ctx), note, dispose: () => model.dispose() };
    },
  };
}

/** `steps` forward + input-gradient passes of a batch, what each AM step is built on. */
function passes(c: Case, batch: number) {
  return (m: Model) => {
    const [channels, h, w] = m.inputShape;
    return async () => {
      const x = m.engine.tensor(new Float32Array(batch * channels * h * w).map((_, i) => Math.sin(i * 0.37)), [batch, channels, h, w]);
      for (let s = 0; s < c.steps; s++) (await m.inputGradient(x, { layer: c.layer, unit: c.unit })).dispose();
      await m.engine.sync();
      x.dispose();
    };
  };
}

function am(c: Case, restarts: number) {
  return (m: Model) => async () => {
    const r = await activationMaximization(m, { layer: c.layer, unit: c.unit, steps: c.steps, restarts, seed: 1 });
    r.image.dispose();
  };
}

export function amRows({ quick = false, full = false }: { quick?: boolean; full?: boolean } = {}): Row[] {
  const rows: Row[] = [];
  for (const c of CASES) {
    const at = `${c.layer} unit ${c.unit}, ${c.steps} steps`;
    rows.push(
      row(c, `${c.steps} x (forward + input gradient), batch 1 (baseline)`, at, passes(c, 1)),
      row(c, `activationMaximization, ${c.steps} steps, 1 restart`, at, am(c, 1)),
    );
    if (!quick && (c.batch8 === 'always' || full)) {
      rows.push(
        row(c, `${c.steps} x (forward + input gradient), batch 8 (baseline)`, `${at}, batch 8`, passes(c, 8)),
        row(c, `activationMaximization, ${c.steps} steps, 8 restarts as one batch`, `${at}, batch 8`, am(c, 8)),
      );
    }
  }
  return rows;
}
