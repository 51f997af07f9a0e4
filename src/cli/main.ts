// The command line: `npm run cli -- <command> [options]` (or `tsx src/cli/main.ts ...`).
// Each command lives in commands/<name>.ts and exports run(args); they load on demand, so that a
// command without GPU work never starts WebGPU. Errors print as one line and exit with status 1.

import { UsageError } from './args.ts';

interface Command {
  summary: string;
  load: () => Promise<{ run: (args: string[]) => Promise<void> | void }>;
}

const COMMANDS: Record<string, Command> = {
  classify: { summary: 'print the top classes a model gives an image', load: () => import('./commands/classify.ts') },
  layers: { summary: "list a model's layers with output shapes and unit counts", load: () => import('./commands/layers.ts') },
  demo: { summary: 'the main job: the default model on held-out images, with saliency and guided backprop pictures', load: () => import('./commands/demo.ts') },
  train: { summary: 'train the default model (conceptnet) on the concept dataset and write weights/', load: () => import('./commands/train.ts') },
  evaluate: { summary: "the default model's accuracy on a held-out split, and its dead units", load: () => import('./commands/evaluate.ts') },
  'make-dataset': { summary: 'write a split of the procedural concept dataset in the Broden format', load: () => import('./commands/make-dataset.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const list = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['usage: npm run cli -- <command> [options]', '', 'commands:', ...list, '', "'<command> --help' describes a command's options."].join('\n');
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

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
