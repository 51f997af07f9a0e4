// Network Inversion's cost (GitHub issue 14), a pair of rows per network, ours only (TF.js has no
// inversion): Mahendran & Vedaldi's inversion for S steps vs S bare forward + input-gradient
// passes to the same layer (goal: one inversion step at most 1.3x a pass). The learning rate is
// given, so no extra gradient is taken to set it. The harness times whole runs, so the inversion's
// row also holds a fixed set-up (the target's forward and norm, B, the final forward that measures
// the error, the RGBA read-back), 10-40 ms on the default model on a quiet machine: S is 32 there,
// where it is under a tenth of the run (at the former 8 steps it was up to a quarter), and 10 on
// SqueezeNet, whose step costs 30 times more. Read the ratio of each pair's times in the table.
//
// Per step, measured as (T(3S) - T(S)) / 2S from runs at S = 8 and 24 steps taken in turn in
// shuffled order (a scratch script; medians of 20), SwiftShader,
// 2026-12-03, 2 cores shared with other engineers' runs:
//   - default model pool2, load 4.5 (a pass 11.3 ms, as quiet): before the fused step 1.35x a pass,
//     after 1.13x; whole runs of 24 steps 1.38x -> 1.13x; the set-up 10-20 ms.
//     At load 7 (passes 2.5x slower): 1.29x -> 1.00x a step, 24-step runs 1.45x -> 1.14x. The
//     lead's quiet numbers before: 8 and 32 steps, (488 - 151) / (365 - 95.6) = 1.25x a step.
//   - SqueezeNet fire3: a step (about 330 ms quiet) varied by +-40% between runs, too much to
//     resolve its ratio so; the lead's before, quiet: (3858 - 1309) / (3296 - 969) = 1.10x. The
//     fused terms at its sizes (min of 9): the reconstruction term and seed 16 -> 4.6 ms, the
//     priors with the gradient sum 18 -> 12 ms, so about 18 ms less a step.
//   - this table, load 5-6, after: default model 32 steps 1108 / 942 ms = 1.18x, SqueezeNet 10
//     steps 6339 / 6095 ms = 1.04x (the same rows at load 8: 1.65x and 1.27x).
// "After" is 6 dispatches a step beyond the network's instead of 18 (squaredDistance and
// imagePriors, src/ops/objective-terms.ts) and the losses read back every 4 steps. Under load,
// rows are not sampled in turn and vary by +-30% from run to run: compare over several runs.
// The run of record, a quiet machine (load < 2), after, 2026-12-03 13:55, medians of 5: default
// model 32 steps 378 / 316 ms = 1.20x, SqueezeNet 10 steps 3374 / 2934 ms = 1.15x (goal met).

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
  { source: defaultModel, layer: 'pool2', steps: 32 },
  { source: squeezeNet, layer: 'fire3', steps: 10 },
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
