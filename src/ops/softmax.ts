// Softmax along one axis (ONNX opset 13), and softmax fused with the cross-entropy loss.

import type { Engine } from '../engine/engine.ts';
import { Tensor } from '../engine/tensor.ts';
import { aroundAxis, normalizeAxis } from './axis.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';

const WG = 64;

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
      const { outer, length, inner } = aroundAxis(x.shape, normalizeAxis('softmax', axis, x.shape));
      return engine.scoped('softmax', () => {
        const y = engine.empty(x.shape);
        engine.run('softmax', { bindings: { x, y }, uniforms: { outer, axis: length, inner }, workgroups: groupsFor(outer * inner, WG) });
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
      const { outer, length, inner } = aroundAxis(y.shape, normalizeAxis(op, axis, y.shape));
      return engine.scoped(op, () => {
        const dx = engine.empty(y.shape);
        engine.run('softmax-backward', { bindings: { y, dy, dx }, uniforms: { outer, axis: length, inner }, workgroups: groupsFor(outer * inner, WG) });
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
