// Network Inversion's cost (GitHub issue 14), a pair of rows per network, ours only (TF.js has no
// inversion): Mahendran & Vedaldi's inversion for S steps vs S bare forward + input-gradient
// passes to the same layer (goal: one inversion step at most 1.3x a pass). The inversion's run also
// holds its set-up (the target's forward, B) and the final forward that measures the error, so the
// ratio slightly overstates the per-step cost; the learning rate is given, so no extra gradient is
// taken to set it. Read the ratio of each pair's times in the table.

import type { BenchContext, Prepared, Row } from '../harness.ts';
import type { Model } from '../../src/models/model.ts';
import { invertRepresentation } from '../../src/methods/inversion/regularized.ts';
import { defaultModel, squeezeNet, type ModelSource } from './networks.ts';

interface Case {
  source: ModelSource;
  layer: string;
  steps: number;
}

const CASES: Case[] = [
  { source: defaultModel, layer: 'pool2', steps: 8 },
  { source: squeezeNet, layer: 'fire3', steps: 3 },
];

function row(c: Case, name: string, work: (m: Model, x: () => ReturnType<Model['engine']['tensor']>) => () => Promise<unknown>): Row {
  return {
    group: `inversion ${c.source.group}`,
    name,
    shape: `${c.layer}, ${c.steps} steps`,
    kind: 'compute',
    async prepare(ctx: BenchContext): Promise<Prepared> {
      const { model, note } = await c.source.load(ctx);
      const [channels, h, w] = model.inputShape;
      const image = () => model.engine.tensor(new Float32Array(channels * h * w).map((_, i) => Math.sin(i * 0.37)), [1, channels, h, w]);
      return { ours: work(model, image), note, dispose: () => model.dispose() };
    },
  };
}

export function inversionRows(): Row[] {
  return CASES.flatMap((c) => [
    row(c, `${c.steps} x (forward + input gradient) (baseline)`, (m, image) => async () => {
      const x = image();
      for (let s = 0; s < c.steps; s++) (await m.inputGradient(x, { layer: c.layer, unit: 0 })).dispose();
      await m.engine.sync();
      x.dispose();
    }),
    row(c, `invertRepresentation, ${c.steps} steps`, (m, image) => async () => {
      const x = image();
      const r = await invertRepresentation(m, x, { layer: c.layer, steps: c.steps, learningRate: 1, seed: 1 });
      r.image.dispose();
      x.dispose();
    }),
  ]);
}
