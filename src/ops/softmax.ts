// Softmax along one axis (ONNX opset 13), and softmax fused with the cross-entropy loss.

import type { Engine } from '../engine/engine.ts';
import { Tensor } from '../engine/tensor.ts';
import { aroundAxis, normalizeAxis } from './axis.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';
import { bindingWindows, windowOf } from './windows.ts';

const WG = 64;

/**
 * A tensor viewed as [outer, length, inner] around the softmax axis, and the windows of whole
 * outer slices it is processed in when too large to bind whole (computed before GPU work).
 */
function rowLayout(engine: Engine, op: string, shape: readonly number[], axis: number) {
  const { outer, length, inner } = aroundAxis(shape, normalizeAxis(op, axis, shape));
  return { length, inner, windows: bindingWindows(engine, op, outer * length * inner, length * inner) };
}

/** Runs a row kernel (softmax, softmax-backward) over same-shaped tensors, window by window. */
function runRows(engine: Engine, kernel: string, tensors: Record<string, Tensor>, { length, inner, windows }: ReturnType<typeof rowLayout>): void {
  for (const w of windows) {
    const slices = w.count / (length * inner);
    const bindings = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, windowOf(t, w)]));
    engine.run(kernel, { bindings, uniforms: { outer: slices, axis: length, inner, offset: w.base }, workgroups: groupsFor(slices * inner, WG) });
  }
}

/** Labels as a tensor: a Tensor is used as it is; numbers are range-checked here and uploaded. */
function labelTensor(engine: Engine, op: string, labels: Tensor | Int32Array | number[], n: number, k: number): { tensor: Tensor; owned: boolean } {
  if (labels instanceof Tensor) {
    checkTensor(op, 'labels', labels, 1, 'i32');
    check(op, labels.shape[0] === n, () => `labels ${shapeString(labels.shape)} must have one label per row of the [${n}, ${k}] logits`);
    return { tensor: labels, owned: false };
  }
  check(op, labels.length === n, () => `${labels.length} labels given for the ${n} rows of the [${n}, ${k}] logits`);
  labels.forEach((label, row) => check(op, Number.isInteger(label) && label >= 0 && label < k, () => `label ${label} of row ${row} is outside [0, ${k})`));
  return { tensor: engine.tensor(Int32Array.from(labels), [n]), owned: true };
}

export function softmaxOps(engine: Engine) {
  return {
    /** ONNX Softmax (opset 13): exp(x) / sum(exp(x)) along `axis` (default the last). */
    softmax(x: Tensor, axis = -1): Tensor {
      checkTensor('softmax', 'x', x);
      const layout = rowLayout(engine, 'softmax', x.shape, axis);
      return engine.scoped('softmax', () => {
        const y = engine.empty(x.shape);
        runRows(engine, 'softmax', { x, y }, layout);
        return y;
      });
    },

    /**
     * Softmax of logits [N, K] over K with the mean cross-entropy against integer labels [N].
     * Labels given as numbers are checked here; labels already on the GPU cannot be checked
     * without reading them back, so a label out of range there makes the loss NaN.
     */
    softmaxCrossEntropy(logits: Tensor, labels: Tensor | Int32Array | number[]): { loss: Tensor; probs: Tensor } {
      const op = 'softmaxCrossEntropy';
      checkTensor(op, 'logits', logits, 2);
      const [n, k] = logits.shape;
      const label = labelTensor(engine, op, labels, n, k);
      return engine.scoped(op, () => {
        const probs = engine.empty([n, k]);
        const loss = engine.empty([1]);
        engine.run('softmax-cross-entropy', { bindings: { logits, labels: label.tensor, probs, loss }, uniforms: { n, k, bad: NaN }, workgroups: 1 });
        if (label.owned) label.tensor.dispose();
        return { loss, probs };
      });
    },
  };
}

export function softmaxGrads(engine: Engine) {
  return {
    /** dx for y = softmax(x, axis), from y and dy. */
    softmax(y: Tensor, dy: Tensor, axis = -1): Tensor {
      const op = 'softmax backward';
      checkTensor(op, 'y', y);
      checkTensor(op, 'dy', dy);
      checkSameShape(op, y, dy, ['y', 'dy']);
      const layout = rowLayout(engine, op, y.shape, axis);
      return engine.scoped(op, () => {
        const dx = engine.empty(y.shape);
        runRows(engine, 'softmax-backward', { y, dy, dx }, layout);
        return dx;
      });
    },

    /** dlogits = (probs - onehot(labels)) / N for the mean loss of softmaxCrossEntropy. */
    softmaxCrossEntropy(probs: Tensor, labels: Tensor | Int32Array | number[]): Tensor {
      const op = 'softmaxCrossEntropy backward';
      checkTensor(op, 'probs', probs, 2);
      const [n, k] = probs.shape;
      const label = labelTensor(engine, op, labels, n, k);
      return engine.scoped(op, () => {
        const dlogits = engine.empty([n, k]);
        engine.run('softmax-cross-entropy-backward', {
          bindings: { probs, labels: label.tensor, dlogits },
          uniforms: { n, k, bad: NaN },
          workgroups: groupsFor(Math.ceil((n * k) / 4), WG),
        });
        if (label.owned) label.tensor.dispose();
        return dlogits;
      });
    },
  };
}
