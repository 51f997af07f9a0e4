// The command line: `npx convsight <command> [options]` (bin/convsight.js), `npm run cli -- ...`,
// or `tsx src/cli/main.ts ...`. Each command lives in commands/<name>.ts and exports run(args);
// they load on demand, so that a command without GPU work never starts WebGPU. Errors print as one
// line (the stack with --verbose) and set the exit code (exit.ts: 0 ok, 1 bad input, 2 internal).

import { UsageError } from './args.ts';
import { errorText, exitCodeFor } from './exit.ts';

interface Command {
  summary: string;
  load: () => Promise<{ run: (args: string[]) => Promise<void> | void }>;
}

const COMMANDS: Record<string, Command> = {
  classify: { summary: 'print the top classes a model gives an image', load: () => import('./commands/classify.ts') },
  layers: { summary: "list a model's layers with output shapes and unit counts", load: () => import('./commands/layers.ts') },
  demo: { summary: 'the main job: all four methods on the default model (or yours), as a gallery: out/index.html', load: () => import('./commands/demo.ts') },
  train: { summary: 'train the default model (conceptnet) on the concept dataset and write weights/', load: () => import('./commands/train.ts') },
  evaluate: { summary: "the default model's accuracy on a held-out split, and its dead units", load: () => import('./commands/evaluate.ts') },
  'make-dataset': { summary: 'write a split of the procedural concept dataset in the Broden format', load: () => import('./commands/make-dataset.ts') },
  am: { summary: 'Activation Maximization: the image that most excites a unit or a class', load: () => import('./commands/am.ts') },
  'am-layer': { summary: 'Activation Maximization of every unit of a layer, as one grid', load: () => import('./commands/am-layer.ts') },
  invert: { summary: "reconstruct an image from one layer's representation (Mahendran & Vedaldi inversion)", load: () => import('./commands/invert.ts') },
  'invert-all-layers': { summary: 'reconstruct an image from every layer, with errors, a plot and the trained decoder', load: () => import('./commands/invert-all-layers.ts') },
  'train-inverter': { summary: 'train the decoder that inverts a layer of the default model (Dosovitskiy & Brox), write weights/', load: () => import('./commands/train-inverter.ts') },
  dissect: { summary: "Network Dissection: label a model's units with concepts of a Broden-format dataset, with a report", load: () => import('./commands/dissect.ts') },
  'dissect-merge': { summary: "add the shard files of 'dissect --shard k/n' into one result and report", load: () => import('./commands/dissect-merge.ts') },
  deconvnet: { summary: 'project one activation or feature map back to the pixels (DeconvNet, guided backprop, gradient)', load: () => import('./commands/deconvnet.ts') },
  top9: { summary: 'top-9 per unit over a dataset: projections beside receptive-field patches (Zeiler & Fergus Fig. 2)', load: () => import('./commands/top9.ts') },
  occlusion: { summary: 'occlusion sensitivity: a grey square slid over the image, the score and the top class per position', load: () => import('./commands/occlusion.ts') },
  bench: { summary: 'the bench: kernels, networks and methods side by side with TensorFlow.js (bench/README.md)', load: () => import('./commands/bench.ts') },
  fuzz: { summary: 'every file reader (ONNX, safetensors, images, Broden) against mutated inputs', load: () => import('./commands/fuzz.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const list = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: convsight <command> [options]      (or: npm run cli -- <command> [options])',
    '',
    'commands:',
    ...list,
    '',
    "'<command> --help' describes a command's options. --verbose (any command) prints an error's stack.",
    'Exit codes: 0 done, 1 bad input, 2 internal error.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}`);
  await (await command.load()).run(rest);
}

const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose');
main(argv.filter((a) => a !== '--verbose')).catch((e: unknown) => {
  console.error(errorText(e, verbose, argv.find((a) => !a.startsWith('-'))));
  process.exitCode = exitCodeFor(e);
});
