// The bench harness: its pure parts (statistics, options, the table), and a smoke run of every row
// kind on tiny shapes, on the engine and on TF.js sharing its device. No assertions on measured
// times: the machine is shared and SwiftShader's times are noise at these sizes; only the structure
// is checked. The batching of short runs is checked on a fake clock.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, type Engine, type ModelSpec } from '../src/index.ts';
import { getEngine, randomArray } from './helpers/engine.ts';
import { judge, measureSide, measureSides, release, runBench, selectRows, summarize, Skip, type BenchContext, type BenchOptions, type BenchReport, type Row, type RowResult } from '../bench/harness.ts';
import { parseArgs, optionsFromSearch } from '../bench/options.ts';
import { cells, COLUMNS, formatMarkdown, formatTable, resultFileName } from '../bench/report.ts';
import { createPeer, type Peer } from '../bench/peer.ts';
import { MAX_RUNS_PER_SAMPLE, MIN_WINDOW_MS, Stopwatch, timeBatch, type Side, type Timed, type Timer } from '../bench/timing.ts';
import { benchRows, bufferCopyRow, copyProbeRow } from '../bench/rows/index.ts';
import { convRows } from '../bench/rows/conv.ts';
import { avgPoolRows, maxPoolRows, reluRows } from '../bench/rows/pool.ts';
import { gemmRows, lrnRows, softmaxRows } from '../bench/rows/dense.ts';
import { networkRows, type ModelSource } from '../bench/rows/networks.ts';
import { TfGraph } from '../bench/tf-graph.ts';
import { onnxToSpec } from '../src/models/onnx/index.ts';
import { decodeTensorProto, tensorToFloat32 } from '../src/models/onnx/onnx-format.ts';
import { inferShapes } from '../src/models/shapes.ts';
import { existsSync, readFileSync } from 'node:fs';

describe('bench: statistics, options and report', () => {
  it('summarizes samples by median, quartiles and range', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ median: 3, min: 1, max: 5, q1: 2, q3: 4 });
    expect(summarize([2, 4]).median).toBe(3);
    expect(summarize([7]).median).toBe(7);
  });

  it('parses the command line and rejects bad flags', () => {
    const o = parseArgs(['--quick', '--filter', 'conv', '--reps', '3', '--timing', 'wall', '--json', 'out.json', '--no-peer']);
    expect(o).toMatchObject({ quick: true, filter: 'conv', reps: 3, timing: 'wall', json: 'out.json', noPeer: true });
    expect(parseArgs([]).reps).toBe(5);
    expect(parseArgs(['--full', '--markdown', '--from', 'run.json'])).toMatchObject({ full: true, markdown: true, from: 'run.json' });
    expect(() => parseArgs(['--reps'])).toThrow(/--reps needs a value/);
    expect(() => parseArgs(['--reps', 'x'])).toThrow(/non-negative integer/);
    expect(() => parseArgs(['--timing', 'cpu'])).toThrow(/'timestamp' or 'wall'/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(optionsFromSearch('?quick&filter=pool&reps=4&nopeer')).toMatchObject({ quick: true, filter: 'pool', reps: 4, noPeer: true });
  });

  it('lists the issue\'s rows, and filters them by name or shape', () => {
    const rows = benchRows();
    const labels = rows.map((r) => `${r.group} ${r.name}`);
    for (const want of [
      'AlexNet conv1 conv2d forward',
      'AlexNet conv2 conv2d backward dw',
      'VGG16 conv3_1 conv2d backward dx',
      'VGG16 conv4_1 conv2d forward',
      'SqueezeNet conv1 conv2d forward',
      'SqueezeNet fire2 squeeze conv2d forward',
      'SqueezeNet fire2 expand3x3 conv2d forward',
      'AlexNet pool1 maxpool+switches forward',
      'AlexNet pool1 maxunpool',
      'AlexNet pool1 maxpool backward',
      'VGG16-size avgpool avgpool forward',
      'AlexNet lrn1 lrn forward',
      'AlexNet fc6 gemm backward',
      'AlexNet softmax softmax',
      'AlexNet relu1 relu backward',
      'SqueezeNet 1.1 network forward',
      'SqueezeNet 1.1 forward+backward (input gradient)',
      'default model training step',
    ]) {
      expect(labels).toContain(want);
    }
    expect(rows.some((r) => r.shape.startsWith('8x'))).toBe(true); // batch-8 rows
    expect(benchRows({ full: true }).length).toBeGreaterThan(rows.length);
    expect(benchRows({ quick: true }).every((r) => !r.shape.startsWith('8x'))).toBe(true);
    const picked = selectRows(rows, 'FIRE2');
    expect(picked.length).toBeGreaterThan(0);
    expect(picked.every((r) => `${r.group} ${r.name} ${r.shape}`.toLowerCase().includes('fire2'))).toBe(true);
  });

  it('formats an aligned table with the goal verdicts', () => {
    const stats = (median: number) => ({ ...summarize([median]), firstMs: median, runsPerSample: 1 });
    const report: BenchReport = {
      date: '2026-11-25T10:00:00.000Z',
      adapter: { vendor: 'google', architecture: 'swiftshader', description: '' },
      timing: 'timestamp',
      quick: false,
      peer: 'TF.js',
      options: { reps: 5, minReps: 2, warmup: 1, budgetMs: 1000 },
      rows: [
        { group: 'A', name: 'conv2d forward', shape: '1x3x8x8 -> 4', kind: 'compute', status: 'ok', ours: stats(2), peer: stats(30), speedup: 15, gflops: 1.5, goal: { kind: 'speedup', min: 10 }, met: true },
        { group: 'B', name: 'relu forward', shape: '1x4x8x8', kind: 'memory', status: 'ok', ours: stats(4), copy: stats(1), gbps: 0.2, copyFraction: 0.25, goal: { kind: 'bandwidth', min: 0.5 }, met: false },
        { group: 'C', name: 'missing', shape: '-', kind: 'compute', status: 'skipped', note: 'engine.ops.x is not there yet' },
      ],
    };
    const text = formatTable(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^row\s+shape\s+ours ms/);
    expect(lines[2]).toContain('15.00x');
    expect(lines[2]).toMatch(/yes$/);
    expect(lines[3]).toContain('25%');
    expect(lines[3]).toMatch(/NO$/);
    expect(lines[4]).toContain('skipped');
    // Columns line up: every row's 'shape' cell starts where the header's does.
    const at = lines[0].indexOf('shape');
    for (const line of lines.slice(2, 5)) expect(line.slice(at)).toMatch(/^\S/);
    expect(text).toContain('goals met: 1 of 2');
    expect(text).toContain('C missing: engine.ops.x is not there yet');
    expect(cells(report.rows[0])).toHaveLength(COLUMNS.length);
    const markdown = formatMarkdown(report).split('\n');
    expect(markdown[0]).toBe(`| ${COLUMNS.join(' | ').replace('GFLOP/s | GB/s', 'GFLOP/s \\| GB/s')} |`);
    expect(markdown[2]).toMatch(/^\| A conv2d forward \| 1x3x8x8 -> 4 \| 2\.00 \(2\.00-2\.00\) \| 30\.0 \(30\.0-30\.0\) \| 15\.00x \|/);
    expect(resultFileName(report)).toBe('google-swiftshader-2026-11-25T10-00-00.json');
  });
});

/**
 * A fake clock: each run of a work "takes" `msPerRun`, and a window reads as its runs' total rounded
 * down to `resolution` (as Dawn's quantized timestamps do). Counts the runs and the live results.
 */
class FakeTimer implements Timer {
  runs = 0;
  windows = 0;
  live = 0;
  maxLive = 0;
  constructor(
    private readonly msPerRun: number,
    private readonly resolution = 0,
    /** Extra milliseconds the n-th window takes (a hiccup of a busy machine). */
    private readonly hiccups: number[] = [],
    /** Runs the side records before it submits part of a window (as TF.js does every 15 dispatches). */
    private readonly runsPerSubmit = Infinity,
  ) {}

  /** A work whose every run returns a fresh result to dispose. */
  readonly work = () => {
    this.runs++;
    this.live++;
    this.maxLive = Math.max(this.maxLive, this.live);
    let disposed = false;
    return {
      dispose: () => {
        expect(disposed, 'disposed twice').toBe(false);
        disposed = true;
        this.live--;
      },
    };
  };

  async time<T>(_side: Side, work: () => T | Promise<T>): Promise<Timed<T>> {
    const before = this.runs;
    const result = await work();
    const runs = this.runs - before;
    const ms = runs * this.msPerRun + (this.hiccups[this.windows++] ?? 0);
    return { ms: this.resolution > 0 ? Math.floor(ms / this.resolution) * this.resolution : ms, result, split: runs > this.runsPerSubmit };
  }
}

describe('bench: batches of short runs', () => {
  const options: BenchOptions = { reps: 5, minReps: 2, warmup: 1, budgetMs: 4000 };

  it('times a run shorter than MIN_WINDOW_MS in batches and reports the time per run', async () => {
    const clock = new FakeTimer(0.004, 0.065536); // a 4 us kernel under Dawn's quantized timestamps
    const s = await measureSide(clock, 'ours', clock.work, options);
    expect(s.runsPerSample).toBeGreaterThan(1);
    expect(s.runsPerSample).toBeLessThanOrEqual(MAX_RUNS_PER_SAMPLE);
    expect(s.runsPerSample * 0.004).toBeGreaterThanOrEqual(MIN_WINDOW_MS);
    expect(s.samples).toHaveLength(options.reps);
    expect(s.median).toBeGreaterThan(0.0039); // the quantization costs under 2% of a batch
    expect(s.median).toBeLessThanOrEqual(0.004);
    // Every run's result was released, and at most two were alive at once.
    expect(clock.live).toBe(0);
    expect(clock.maxLive).toBeLessThanOrEqual(2);
  });

  it('keeps single runs, with no extra calibration run, when a run is long enough alone', async () => {
    const clock = new FakeTimer(5);
    const s = await measureSide(clock, 'peer', clock.work, options);
    expect(s.runsPerSample).toBe(1);
    expect(s.median).toBe(5);
    expect(s.samples).toHaveLength(options.reps);
    expect(clock.runs).toBe(options.warmup + options.reps);
    expect(clock.live).toBe(0);
  });

  it('halves a batch until it goes to the GPU in one submission', async () => {
    const clock = new FakeTimer(0.004, 0, [], 15);
    const s = await measureSide(clock, 'peer', clock.work, options);
    expect(s.runsPerSample).toBeGreaterThanOrEqual(8);
    expect(s.runsPerSample).toBeLessThanOrEqual(15);
    expect(s.median).toBeCloseTo(0.004, 10);
    expect(clock.live).toBe(0);
  });

  it('does not take one slow run of a short kernel for a long run', async () => {
    const clock = new FakeTimer(0.1, 0, [0, 3]); // the warm-up takes 0.1 ms, the next run 3.1 ms
    const s = await measureSide(clock, 'ours', clock.work, options);
    expect(s.runsPerSample).toBeGreaterThanOrEqual(MIN_WINDOW_MS / 0.1);
    expect(s.median).toBeCloseTo(0.1, 10);
  });

  it('stops at MAX_RUNS_PER_SAMPLE, and reports a median of 0 as below resolution, without a verdict', async () => {
    const clock = new FakeTimer(1e-6, 0.065536); // reads 0 even in the largest batch
    const s = await measureSide(clock, 'ours', clock.work, { ...options, reps: 2 });
    expect(s.runsPerSample).toBe(MAX_RUNS_PER_SAMPLE);
    expect(s.median).toBe(0);
    expect(clock.live).toBe(0);
    const peerClock = new FakeTimer(0.5);
    const peer = await measureSide(peerClock, 'peer', peerClock.work, options);
    expect(peer.runsPerSample).toBe(20); // a 10 ms window
    expect(peer.median).toBe(0.5);
    const r: RowResult = { group: 'tiny', name: 'relu forward', shape: '4', kind: 'memory', bytes: 32, status: 'ok', ours: s, peer, copy: s, goal: { kind: 'bandwidth', min: 0.5 } };
    judge(r);
    expect(r.met).toBeUndefined();
    expect(r.speedup).toBeUndefined();
    expect(r.gbps).toBeUndefined();
    const row = cells(r);
    expect(row[2]).toMatch(/^< resolution/);
    expect(row.join(' ')).not.toMatch(/Infinity|NaN/);
  });

  it('takes the sides\' samples in turn, and drops an optional side that fails', async () => {
    // Works that log the order of their runs; 'peer' fails on its third run.
    const log: string[] = [];
    const clock = new FakeTimer(5);
    const work = (name: string, failOn = Infinity) => () => {
      log.push(name);
      if (log.filter((n) => n === name).length === failOn) throw new Error(`${name} broke`);
      return clock.work();
    };
    const errors: string[] = [];
    const [ours, peer, copy] = await measureSides(clock, [
      { side: 'ours', work: work('ours') },
      { side: 'peer', work: work('peer', 3), optional: true, onError: async (e) => void errors.push(String(e)) },
      { side: 'ours', work: work('copy') },
    ], options);
    // Warm-ups and the calibration samples first, then one sample of each side per round.
    expect(log.slice(0, 11)).toEqual(['ours', 'ours', 'peer', 'peer', 'copy', 'copy', 'ours', 'peer', 'copy', 'ours', 'copy']);
    expect(errors).toEqual(['Error: peer broke']);
    expect(peer).toBeNull();
    expect(ours!.samples).toHaveLength(options.reps);
    expect(copy!.samples).toHaveLength(options.reps);
    expect(log.filter((n) => n === 'copy')).toHaveLength(options.warmup + options.reps);
    // A failure of a side that is not optional fails the measurement.
    await expect(measureSides(clock, [{ side: 'ours', work: work('lone', 1) }], options)).rejects.toThrow('lone broke');
  });

  it('releases every result of a real batch on the engine', async () => {
    const engine = await getEngine();
    const watch = new Stopwatch(engine, null);
    const x = engine.zeros([256]);
    const live = engine.pool.liveBytes;
    const { msPerRun, split } = await timeBatch(watch, 'ours', () => engine.ops.relu(x), 4, release);
    expect(Number.isFinite(msPerRun) && msPerRun >= 0).toBe(true);
    expect(split).toBe(false); // 4 dispatches go in one submission
    expect(engine.pool.liveBytes).toBe(live);
    // Past the engine's 512 dispatches per submission, the batch is split (and calibrate() halves it).
    expect((await timeBatch(watch, 'ours', () => engine.ops.relu(x), 600, release)).split).toBe(true);
    expect(engine.pool.liveBytes).toBe(live);
    x.dispose();
    watch.destroy();
  });
});

/** A small graph with the structures the TF.js peer must map besides conv (which the SqueezeNet
 * test below covers): lrn, max and average pooling, a branch and concat, and a linear layer reading
 * a flattened 4x4 map (its weight columns get permuted for NHWC). */
function tinySpec(): ModelSpec {
  return {
    name: 'tiny',
    input: { name: 'x', shape: [3, 8, 8], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0, 0, 0], std: [1, 1, 1] } },
    nodes: [
      { name: 'norm', type: 'lrn', inputs: ['x'], attrs: { size: 3, alpha: 1e-2, beta: 0.75, bias: 1 } },
      { name: 'max', type: 'maxpool', inputs: ['norm'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
      { name: 'avg', type: 'avgpool', inputs: ['norm'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
      { name: 'cat', type: 'concat', inputs: ['max', 'avg'], attrs: { axis: 1 } },
      { name: 'relu', type: 'relu', inputs: ['cat'] },
      { name: 'flatten', type: 'flatten', inputs: ['relu'] },
      { name: 'fc1', type: 'linear', inputs: ['flatten'] },
      { name: 'relu1', type: 'relu', inputs: ['fc1'] },
      { name: 'fc2', type: 'linear', inputs: ['relu1'] },
    ],
    output: 'fc2',
  };
}

const tinyNet: ModelSource = {
  group: 'tiny net',
  load: async ({ engine }) => {
    const shapes: [string, number[]][] = [
      ['fc1.weight', [10, 6 * 4 * 4]],
      ['fc1.bias', [10]],
      ['fc2.weight', [5, 10]],
      ['fc2.bias', [5]],
    ];
    const weights = new Map(shapes.map(([name, shape], i) => [name, { shape, data: randomArray(shape.reduce((p, d) => p * d, 1), 100 + i, -0.5, 0.5) }]));
    return { model: await buildModel(engine, tinySpec(), weights) };
  },
};

/** One tiny row of every kind the bench has. */
function tinyRows(): Row[] {
  return [
    copyProbeRow(1 / 16),
    bufferCopyRow(1 / 16),
    ...convRows({ group: 'tiny conv', n: 2, c: 4, h: 9, w: 7, m: 6, k: 3, stride: 2, pad: 1, groups: 2, forwardGoal: 10, backward: true }),
    ...reluRows('tiny relu', [2, 3, 5, 7]),
    ...maxPoolRows({ group: 'tiny maxpool', shape: [2, 3, 9, 9], k: 3, stride: 2 }),
    ...avgPoolRows({ group: 'tiny avgpool', shape: [1, 3, 8, 6], k: 2, stride: 2 }),
    ...lrnRows('tiny lrn', [1, 6, 5, 5]),
    ...gemmRows('tiny fc', 3, 40, 24),
    ...softmaxRows('tiny softmax', 2, 10),
    ...networkRows(tinyNet, { batch: 2, forwardGoal: 5, train: { batch: 4, lr: 0.001 } }),
  ];
}

const OPTIONS: BenchOptions = { reps: 2, minReps: 1, warmup: 1, budgetMs: 0 };

function checkStats(label: string, s: RowResult['ours']): void {
  expect(s, label).toBeDefined();
  expect(s!.samples.length, label).toBeGreaterThanOrEqual(1);
  for (const v of [...s!.samples, s!.median, s!.firstMs]) expect(Number.isFinite(v) && v >= 0, `${label}: ${v}`).toBe(true);
  expect(s!.min).toBeLessThanOrEqual(s!.median);
  expect(s!.median).toBeLessThanOrEqual(s!.max);
}

describe('bench: a smoke run of every row kind', () => {
  let engine: Engine;
  let peer: Peer;
  let ctx: BenchContext;

  beforeAll(async () => {
    engine = await getEngine();
    peer = await createPeer(engine);
    ctx = { engine, peer, quick: true, loadAsset: async () => null };
  });
  afterAll(() => peer?.dispose());

  it('lays out NCHW data and OIHW weights as TF.js expects (NHWC, HWIO)', async () => {
    // x[n=0][c][h][w] = 100c + 10h + w for C=2, H=2, W=3.
    const x = Float32Array.from({ length: 12 }, (_, i) => 100 * Math.floor(i / 6) + 10 * Math.floor((i % 6) / 3) + (i % 3));
    const t = peer.nhwc(x, [1, 2, 2, 3]);
    expect(t.shape).toEqual([1, 2, 3, 2]);
    expect(Array.from(await t.data())).toEqual([0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112]);
    // w[o][i][kh][kw] = 1000o + 100i + 10kh + kw for O=2, I=1, 1x2 kernel.
    const w = Float32Array.from([0, 1, 1000, 1001]);
    const f = peer.hwio(w, [2, 1, 1, 2]);
    expect(f.shape).toEqual([1, 2, 1, 2]);
    expect(Array.from(await f.data())).toEqual([0, 1000, 1, 1001]);
    peer.tf.dispose([t, f]);
  });

  it('runs every row kind and reports what it measured', async () => {
    const progress: string[] = [];
    const report = await runBench(ctx, tinyRows(), OPTIONS, (p) => {
      if (p.current) progress.push(p.current);
    });
    expect(progress).toHaveLength(report.rows.length);
    expect(report.adapter.vendor + report.adapter.architecture).toMatch(/\S/);
    expect(report.timing).toBe(engine.hasTimestamps ? 'timestamp' : 'wall');
    expect(report.copyGBps).toBeGreaterThan(0);

    for (const r of report.rows) {
      const label = `${r.group} ${r.name}: ${r.note ?? ''}`;
      expect(r.status, label).not.toBe('error');
      // A row is only ever skipped because the engine lacks a kernel (other helpers add them).
      if (r.status === 'skipped') {
        expect(r.note, label).toMatch(/not there yet/);
        continue;
      }
      checkStats(`${label} ours`, r.ours);
      if (r.kind === 'compute') expect(r.gflops, label).toBeGreaterThan(0);
      if (r.kind === 'memory') expect(r.gbps, label).toBeGreaterThan(0);
      if (r.peer) {
        checkStats(`${label} peer`, r.peer);
        expect(r.speedup).toBeCloseTo(r.peer.median / r.ours!.median, 10);
      }
      if (r.goal && (r.goal.kind === 'bandwidth' || r.peer)) expect(typeof r.met, label).toBe('boolean');
    }
    const byName = (name: string) => report.rows.find((r) => `${r.group} ${r.name}` === name)!;
    // Every row with a TF.js version measured it; unpooling has none.
    for (const r of report.rows.filter((x) => x.status === 'ok' && !x.group.startsWith('copy') && x.name !== 'maxunpool')) {
      expect(r.peer, `${r.group} ${r.name}: ${r.note}`).toBeDefined();
    }
    // Memory rows are compared with a copy of the same bytes.
    const relu = byName('tiny relu relu forward');
    if (relu.status === 'ok') {
      checkStats('copy', relu.copy);
      expect(relu.copyFraction).toBeCloseTo(relu.copy!.median / relu.ours!.median, 10);
    }
    // The peer network computes the same function as ours.
    const forward = byName('tiny net network forward');
    if (forward.status === 'ok') expect(forward.note).toMatch(/peer output agrees with ours/);
    // The report is plain data: it survives JSON.
    expect(JSON.parse(JSON.stringify(report)).rows).toHaveLength(report.rows.length);
    expect(formatTable(report)).toContain('tiny conv conv2d forward');
  });

  it('reports a row that throws as an error, a Skip as skipped, and goes on', async () => {
    const failing = (name: string, error: Error): Row => ({
      group: 'broken',
      name,
      shape: '-',
      kind: 'compute',
      flops: 1,
      prepare: () => {
        throw error;
      },
    });
    const report = await runBench(ctx, [failing('throws', new Error('boom')), failing('skips', new Skip('no model here')), ...reluRows('after', [1, 2, 3, 4])], OPTIONS);
    expect(report.rows.map((r) => r.status)).toEqual(['error', 'skipped', expect.stringMatching(/ok|skipped/), expect.stringMatching(/ok|skipped/)]);
    expect(report.rows[0].note).toBe('boom');
    expect(report.rows[1].note).toBe('no model here');
  });

  const squeezeNetDir = new URL('../../shared/models/squeezenet1.1/', import.meta.url);
  it.skipIf(!existsSync(squeezeNetDir))('runs SqueezeNet 1.1 in TF.js ops to the ONNX reference output (the whole-network peer is right)', async () => {
    const { spec, weights } = onnxToSpec(new Uint8Array(readFileSync(new URL('squeezenet1.1.onnx', squeezeNetDir))));
    const graph = new TfGraph(peer, spec, weights, inferShapes(spec, new Map([...weights].map(([k, t]) => [k, t.shape]))));
    const read = (file: string) => decodeTensorProto(new Uint8Array(readFileSync(new URL(`test_data_set_0/${file}`, squeezeNetDir))));
    const input = read('input_0.pb');
    const expected = tensorToFloat32(read('output_0.pb'));
    const x = peer.nhwc(tensorToFloat32(input), input.dims.map(Number));
    const y = peer.tf.tidy(() => graph.forward(x));
    const got = (await y.data()) as Float32Array;
    expect(y.shape).toEqual([1, 1000]);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    expect(worst).toBeLessThan(1e-3);
    peer.tf.dispose([x, y]);
    graph.dispose();
  });

  it('times with GPU timestamps and with wall time', async () => {
    const x = engine.zeros([1 << 16]);
    const work = () => engine.ops.relu(x);
    const methods = engine.hasTimestamps ? (['timestamp', 'wall'] as const) : (['wall'] as const);
    for (const method of methods) {
      const watch = new Stopwatch(engine, peer, method);
      const { ms, result } = await watch.time('ours', work);
      expect(ms, method).toBeGreaterThanOrEqual(0);
      result.dispose();
      const theirs = await watch.time('peer', () => peer.tf.tidy(() => peer.tf.relu(peer.tf.zeros([1 << 16]))));
      expect(theirs.ms, method).toBeGreaterThanOrEqual(0);
      theirs.result.dispose();
      watch.destroy();
    }
    x.dispose();
  });
});
