import { describe, expect, it } from 'vitest';
import { createSmallEngine } from './helpers/small-engine.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/softmax.ts';

describe('softmax reference', () => {
  it('matches values worked by hand', () => {
    // softmax([0, ln 2, ln 5]) = [1, 2, 5] / 8; shifting the input changes nothing
    const y = ref.softmax([0, Math.log(2), Math.log(5)], [3], 0);
    expectClose(y, [1 / 8, 2 / 8, 5 / 8], { rtol: 1e-12 });
    expectClose(ref.softmax([1000, 1000 + Math.log(3)], [2], -1), [1 / 4, 3 / 4], { rtol: 1e-12 });
    // Along axis 0 of a [2, 2]: columns are normalized.
    expectClose(ref.softmax([0, 0, Math.log(3), 0], [2, 2], 0), [1 / 4, 1 / 2, 3 / 4, 1 / 2], { rtol: 1e-12 });
    // Cross-entropy: -log(p[label]) averaged: -(log(1/4) + log(1/2)) / 2
    const { loss } = ref.softmaxCrossEntropy([0, Math.log(3), 0, 0], [0, 1], 2, 2);
    expect(loss).toBeCloseTo(-(Math.log(1 / 4) + Math.log(1 / 2)) / 2, 12);
  });

  it('backward matches finite differences, along every axis', () => {
    const shape = [2, 3, 4];
    const x = randomArray(24, 1, -2, 2);
    const dy = randomArray(24, 2);
    for (const axis of [0, 1, 2, -1]) {
      const y = ref.softmax(x, shape, axis);
      expectClose(ref.softmaxBackward(y, dy, shape, axis), numericGradient((v) => ref.softmax(v, shape, axis), x, dy), { rtol: 1e-6, atol: 1e-9, label: `axis ${axis}` });
    }
  });

  it('cross-entropy backward matches finite differences of the loss', () => {
    const [n, k] = [3, 5];
    const logits = randomArray(n * k, 3, -3, 3);
    const labels = [4, 0, 2];
    const { probs } = ref.softmaxCrossEntropy(logits, labels, n, k);
    const numeric = numericGradient((v) => [ref.softmaxCrossEntropy(v, labels, n, k).loss], logits, [1]);
    expectClose(ref.softmaxCrossEntropyBackward(probs, labels, n, k), numeric, { rtol: 1e-6, atol: 1e-9 });
  });
});

describe('softmax', () => {
  it('matches the reference along every axis, odd sizes', async () => {
    const engine = await getEngine();
    const shape = [3, 5, 7, 2];
    const x = randomArray(210, 1, -5, 5);
    const tx = engine.tensor(x, shape);
    for (const axis of [0, 1, 2, 3, -1, -3]) {
      expectClose(await engine.ops.softmax(tx, axis).read(), ref.softmax(x, shape, axis), { label: `axis ${axis}` });
    }
    // Default axis: the last. A classifier's 1000 classes with large logits (no overflow).
    const logits = randomArray(2 * 1000, 2, -80, 80);
    expectClose(await engine.ops.softmax(engine.tensor(logits, [2, 1000])).read(), ref.softmax(logits, [2, 1000], -1), { atol: 1e-7 });
  });

  it('backward matches the reference along every axis', async () => {
    const engine = await getEngine();
    const shape = [2, 3, 5];
    const x = randomArray(30, 3, -2, 2);
    const dy = randomArray(30, 4);
    for (const axis of [0, 1, 2]) {
      const y = ref.softmax(x, shape, axis);
      const dx = engine.grad.softmax(engine.tensor(Float32Array.from(y), shape), engine.tensor(dy, shape), axis);
      expectClose(await dx.read(), ref.softmaxBackward(Float32Array.from(y), dy, shape, axis), { label: `axis ${axis}`, atol: 1e-6 });
    }
  });

  it('softmaxCrossEntropy: probabilities, mean loss and gradient match the reference', async () => {
    const engine = await getEngine();
    // 67 rows: more than the 64 threads of the one workgroup; 10 classes.
    const [n, k] = [67, 10];
    const logits = randomArray(n * k, 5, -30, 30);
    const labels = Array.from({ length: n }, (_, i) => (i * 7) % k);
    const want = ref.softmaxCrossEntropy(logits, labels, n, k);
    for (const given of [labels, engine.tensor(Int32Array.from(labels), [n])]) {
      const { loss, probs } = engine.ops.softmaxCrossEntropy(engine.tensor(logits, [n, k]), given);
      expect(loss.shape).toEqual([1]);
      expectClose(await loss.read(), [want.loss]);
      expectClose(await probs.read(), want.probs, { atol: 1e-7 });
      const d = engine.grad.softmaxCrossEntropy(probs, given);
      expectClose(await d.read(), ref.softmaxCrossEntropyBackward(want.probs, labels, n, k), { atol: 1e-7 });
    }
  });

  it('the loss stays finite when a probability underflows (log-sum-exp)', async () => {
    const engine = await getEngine();
    // p[label] = e^-200 / (1 + ...) underflows float32; the loss is still 200.
    const { loss } = engine.ops.softmaxCrossEntropy(engine.tensor([200, 0], [1, 2]), [1]);
    expectClose(await loss.read(), [200]);
  });

  it('a label on the GPU out of range makes the loss NaN', async () => {
    const engine = await getEngine();
    const { loss } = engine.ops.softmaxCrossEntropy(engine.tensor([1, 2, 3, 4], [2, 2]), engine.tensor(Int32Array.from([0, 2]), [2]));
    expect(Number.isNaN((await loss.read())[0])).toBe(true);
  });

  it('works on tensors larger than the binding limit (1 MiB here), in windows of rows', async () => {
    const small = await createSmallEngine();
    try {
      // 2 x 157 x 1000 floats (1.26 MB) along the middle axis: windows of whole outer slices.
      const shape = [2, 157, 1000];
      const x = randomArray(2 * 157 * 1000, 8, -4, 4);
      const tx = small.tensor(x, shape);
      expect(() => small.ops.relu(tx)).toThrow(/more than maxStorageBufferBindingSize/);
      const y = ref.softmax(x, shape, 1);
      expectClose((await small.ops.softmax(tx, 1).read()) as Float32Array, y, { atol: 1e-7 });
      const dy = randomArray(x.length, 9);
      const dx = small.grad.softmax(small.tensor(Float32Array.from(y), shape), small.tensor(dy, shape), 1);
      expectClose((await dx.read()) as Float32Array, ref.softmaxBackward(Float32Array.from(y), dy, shape, 1), { atol: 1e-6 });
    } finally {
      small.destroy();
    }
  });

  it('rejects bad inputs before any GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(randomArray(6, 1), [2, 3]);
    expect(() => engine.ops.softmax(x, 2)).toThrow('softmax: axis 2 is out of range for shape [2, 3]');
    expect(() => engine.ops.softmax(x, -3)).toThrow('softmax: axis -3 is out of range for shape [2, 3]');
    expect(() => engine.ops.softmaxCrossEntropy(x, [0, 3])).toThrow('softmaxCrossEntropy: label 3 of row 1 is outside [0, 3)');
    expect(() => engine.ops.softmaxCrossEntropy(x, [0, -1])).toThrow('softmaxCrossEntropy: label -1 of row 1 is outside [0, 3)');
    expect(() => engine.ops.softmaxCrossEntropy(x, [0])).toThrow('softmaxCrossEntropy: 1 labels given for the 2 rows of the [2, 3] logits');
    expect(() => engine.ops.softmaxCrossEntropy(x, engine.tensor([0, 1], [2]))).toThrow('softmaxCrossEntropy: labels must be i32, got f32');
    expect(() => engine.ops.softmaxCrossEntropy(engine.tensor([1, 2, 3], [3]), [0])).toThrow('softmaxCrossEntropy: logits must have rank 2, got shape [3]');
    expect(() => engine.grad.softmax(x, engine.tensor(randomArray(3, 1), [3]))).toThrow('softmax backward: y [2, 3] and dy [3] must have the same shape');
    expect(() => engine.grad.softmaxCrossEntropy(x, [5, 0])).toThrow('softmaxCrossEntropy backward: label 5 of row 0 is outside [0, 3)');
  });
});
