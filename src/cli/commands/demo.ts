// demo: the main job. All four visualization methods on the shipped default model (or the user's
// own), written as a gallery to open in a browser: out/index.html. A thin caller of runDemo.

import { createEngine } from '../../engine/engine.ts';
import { runDemo } from '../../gallery/demo.ts';
import { formatDuration } from '../../train/progress.ts';
import { parseOptions, positiveInt } from '../args.ts';

export const summary = 'the main job: all four methods on the default model (or yours), as a gallery: out/index.html';

export const usage = `
usage: demo [--out out] [--model FILE.onnx|spec.json --labels FILE] [--images DIR] [--count N]
            [--parts a,b] [--quick] [--seed 3]

Runs Activation Maximization, Network Inversion, DeconvNet (projections, top-9, occlusion) and
Network Dissection on the shipped default model (nothing is downloaded) and writes a gallery,
--out/index.html, with the pictures under --out/img/. It prints how long each part took.

  --model    your own model (an ONNX file, or our spec.json + .safetensors) instead of the default
  --labels   its class names, one per line (default: the spec's, or labels.txt beside the model)
  --images   a folder of PNG/JPEG pictures to explain (default: generated concept images)
  --count    how many images the per-image parts explain (default 4; 2 with --quick)
  --parts    only these parts, comma-separated: predictions, am, inversion, deconvnet, occlusion,
             dissection
  --quick    few steps and images: a smoke run in seconds
  --seed     the concept images' seed (default 3: held out from training)
`;

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('demo', usage, args, {
    out: { type: 'string' },
    model: { type: 'string' },
    labels: { type: 'string' },
    images: { type: 'string' },
    count: { type: 'string' },
    parts: { type: 'string' },
    quick: { type: 'boolean' },
    seed: { type: 'string' },
  });
  if (!opts) return;
  const start = performance.now();
  const engine = await createEngine();
  try {
    const { vendor, architecture, description } = engine.adapterInfo;
    console.log(`WebGPU adapter: ${[vendor, architecture, description].filter(Boolean).join(' / ')}`);
    const { path, timings } = await runDemo(engine, {
      outDir: opts.out ?? 'out',
      modelPath: opts.model,
      labelsPath: opts.labels,
      imagesDir: opts.images,
      count: opts.count === undefined ? undefined : positiveInt('demo', 'count', opts.count, 4),
      parts: opts.parts?.split(',').map((p) => p.trim()),
      quick: !!opts.quick,
      seed: positiveInt('demo', 'seed', opts.seed, 3),
      log: (line) => console.log(`  ${line}`),
    });
    console.log('\ntime per part:');
    for (const t of timings) console.log(`  ${t.part.padEnd(40)} ${t.seconds.toFixed(1).padStart(7)} s`);
    console.log(`  ${'total'.padEnd(40)} ${formatDuration((performance.now() - start) / 1000).padStart(7)}`);
    console.log(`\nthe gallery: ${path}  (open it in a browser)`);
  } finally {
    engine.destroy();
  }
}
