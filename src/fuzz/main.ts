// `npm run fuzz`: the readers' fuzzer from the command line. Prints the counts per outcome and
// format; failing inputs are saved under --findings (one folder per input) to become regression tests.

import { parseOptions, positiveInt } from '../cli/args.ts';
import { ProgressBar } from '../train/progress.ts';
import { FORMATS, type FormatName } from './seeds.ts';
import { formatReports, fuzz, PASSING } from './fuzz.ts';
import { writeFileSet } from './targets.ts';
import { createEngine } from '../engine/engine.ts';

const usage = `
usage: npm run fuzz -- [--count 10000] [--seconds 600] [--seed 1] [--formats onnx,model,png,jpeg,broden] [--limit-ms 10000] [--findings scratch/fuzz-findings] [--gpu]

  --count     inputs per format
  --seconds   time box per format (the run stops at --count or here)
  --seed      the run's seed: input i of a format is the same for the same seed
  --formats   which readers: onnx (loadOnnx's parser and importer), model (spec JSON + safetensors),
              png, jpeg (decodeImage), broden (loadBroden with every picture and mask)
  --limit-ms  per-input time limit; an input that takes longer counts as a hang
  --findings  where failing inputs are written (a folder per input, named format-index)
  --gpu       also upload and run each accepted model (onnx, model) once, on one engine

Exits with status 1 if any input crashed, hung, leaked an internal error, allocated far more than
its size, or failed without naming the problem.
`;

async function main(args: string[]): Promise<void> {
  const opts = parseOptions('fuzz', usage, args, {
    count: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    formats: { type: 'string' },
    'limit-ms': { type: 'string' },
    findings: { type: 'string' },
    gpu: { type: 'boolean' },
  });
  if (!opts) return;
  const count = positiveInt('fuzz', 'count', opts.count, 10_000);
  const seconds = positiveInt('fuzz', 'seconds', opts.seconds, 600);
  const seed = positiveInt('fuzz', 'seed', opts.seed, 1);
  const limitMs = positiveInt('fuzz', 'limit-ms', opts['limit-ms'], 10_000);
  const formats = (opts.formats ?? FORMATS.join(',')).split(',') as FormatName[];
  const unknown = formats.filter((f) => !FORMATS.includes(f));
  if (unknown.length) throw new Error(`fuzz: unknown format(s) ${unknown.join(', ')} (known: ${FORMATS.join(', ')})`);
  const findingsDir = opts.findings ?? 'scratch/fuzz-findings';
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');

  const bars = new Map<FormatName, ProgressBar>();
  const engine = opts.gpu ? await createEngine() : undefined;
  const reports = await fuzz({
    gpu: engine,
    formats,
    count,
    seconds,
    seed,
    limitMs,
    onProgress: (format, done, counts) => {
      let bar = bars.get(format);
      if (!bar) {
        bars.get(formats[formats.indexOf(format) - 1])?.done();
        bars.set(format, (bar = new ProgressBar(count)));
      }
      const failed = done - PASSING.reduce((n, o) => n + counts[o], 0);
      bar.update(done, `${format} ${done}/${count}, ${counts.rejected} rejected, ${failed} failing`);
    },
    onFinding: (f, files) => writeFileSet(path.join(findingsDir, `${f.format}-${f.index}`), files),
  });
  [...bars.values()].at(-1)?.done();
  engine?.destroy();
  console.log(`seed ${seed}, per-input limit ${limitMs} ms`);
  console.log(formatReports(reports));
  const findings = reports.flatMap((r) => r.findings);
  for (const f of findings.slice(0, 40)) console.log(`${f.outcome} ${f.format} #${f.index} [${f.mutations.join(' ')}]: ${f.message.slice(0, 300)}`);
  if (findings.length) {
    console.log(`${findings.length} failing input(s), saved under ${findingsDir}/`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
