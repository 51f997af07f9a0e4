// CPU references for softmax (along one axis) and the fused softmax cross-entropy.

/** [outer, axis length, inner] of a shape around `axis` (already in [0, rank)). */
function around(shape: number[], axis: number) {
  const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  return { outer: product(shape.slice(0, axis)), length: shape[axis], inner: product(shape.slice(axis + 1)) };
}

export function softmax(x: ArrayLike<number>, shape: number[], axis: number): Float64Array {
  const { outer, length, inner } = around(shape, axis < 0 ? axis + shape.length : axis);
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (a: number) => (o * length + a) * inner + i;
      let top = -Infinity;
      for (let a = 0; a < length; a++) top = Math.max(top, x[at(a)]);
      let sum = 0;
      for (let a = 0; a < length; a++) sum += Math.exp(x[at(a)] - top);
      for (let a = 0; a < length; a++) y[at(a)] = Math.exp(x[at(a)] - top) / sum;
    }
  }
  return y;
}

/** dx = y * (dy - sum(dy * y)) along the axis. */
export function softmaxBackward(y: ArrayLike<number>, dy: ArrayLike<number>, shape: number[], axis: number): Float64Array {
  const { outer, length, inner } = around(shape, axis < 0 ? axis + shape.length : axis);
  const dx = new Float64Array(y.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (a: number) => (o * length + a) * inner + i;
      let dot = 0;
      for (let a = 0; a < length; a++) dot += dy[at(a)] * y[at(a)];
      for (let a = 0; a < length; a++) dx[at(a)] = y[at(a)] * (dy[at(a)] - dot);
    }
  }
  return dx;
}

/** Mean over the rows of -log softmax(logits)[label], and the probabilities. */
export function softmaxCrossEntropy(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, k: number): { loss: number; probs: Float64Array } {
  const probs = softmax(logits, [n, k], 1);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    // log-sum-exp, as -log(probs) would lose everything once a probability underflows
    let top = -Infinity;
    for (let j = 0; j < k; j++) top = Math.max(top, logits[r * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[r * k + j] - top);
    loss += Math.log(sum) + top - logits[r * k + labels[r]];
  }
  return { loss: loss / n, probs };
}

export function softmaxCrossEntropyBackward(probs: ArrayLike<number>, labels: ArrayLike<number>, n: number, k: number): Float64Array {
  const d = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) d[r * k + j] = (probs[r * k + j] - (j === labels[r] ? 1 : 0)) / n;
  return d;
}
