// CPU reference for ONNX LRN across channels (NCHW) and its gradient:
//   y[c] = x[c] / d[c]^beta,  d[c] = bias + alpha / size * sum_{j = c - lo}^{c + hi} x[j]^2,
// lo = floor((size - 1) / 2), hi = ceil((size - 1) / 2), the window clipped to the channels.

export interface LrnAttrs {
  size: number;
  alpha?: number;
  beta?: number;
  bias?: number;
}

function lrnSetup(shape: number[], attrs: LrnAttrs) {
  const { size, alpha = 1e-4, beta = 0.75, bias = 1 } = attrs;
  const [n, c, h, w] = shape;
  const lo = Math.floor((size - 1) / 2);
  const hi = Math.ceil((size - 1) / 2);
  const pixels = h * w;
  const at = (b: number, ch: number, p: number) => (b * c + ch) * pixels + p;
  return { n, c, pixels, lo, hi, alpha, beta, bias, size, at };
}

/** d for every element (the normalizer before the power). */
function normalizers(x: ArrayLike<number>, shape: number[], attrs: LrnAttrs): Float64Array {
  const { n, c, pixels, lo, hi, alpha, bias, size, at } = lrnSetup(shape, attrs);
  const d = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < pixels; p++) {
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let j = Math.max(0, ch - lo); j <= Math.min(c - 1, ch + hi); j++) sum += x[at(b, j, p)] ** 2;
        d[at(b, ch, p)] = bias + (alpha / size) * sum;
      }
    }
  }
  return d;
}

export function lrn(x: ArrayLike<number>, shape: number[], attrs: LrnAttrs): Float64Array {
  const { beta } = lrnSetup(shape, attrs);
  const d = normalizers(x, shape, attrs);
  return Float64Array.from(d, (di, i) => x[i] * di ** -beta);
}

/**
 * dx[i] = dy[i] d[i]^-beta - 2 alpha beta / size * x[i] * sum over the outputs c whose window
 * holds i (i - hi <= c <= i + lo) of dy[c] x[c] d[c]^(-beta - 1).
 */
export function lrnBackward(x: ArrayLike<number>, dy: ArrayLike<number>, shape: number[], attrs: LrnAttrs): Float64Array {
  const { n, c, pixels, lo, hi, alpha, beta, size, at } = lrnSetup(shape, attrs);
  const d = normalizers(x, shape, attrs);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < pixels; p++) {
      for (let i = 0; i < c; i++) {
        const xi = at(b, i, p);
        let sum = 0;
        for (let ch = Math.max(0, i - hi); ch <= Math.min(c - 1, i + lo); ch++) {
          const k = at(b, ch, p);
          sum += dy[k] * x[k] * d[k] ** (-beta - 1);
        }
        dx[xi] = dy[xi] * d[xi] ** -beta - ((2 * alpha * beta) / size) * x[xi] * sum;
      }
    }
  }
  return dx;
}
