// CPU reference for Gemm (ONNX): y = alpha * op(a) op(b) + beta * c, and its gradients.
// Matrices are row-major number arrays with their shapes; sums accumulate in float64.

export interface GemmAttrs {
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

type Matrix = ArrayLike<number>;

/** Element (i, j) of op(x), x stored row-major as [rows, cols]. */
function at(x: Matrix, cols: number, trans: boolean, i: number, j: number): number {
  return trans ? x[j * cols + i] : x[i * cols + j];
}

/** c's value at (i, j) of the output, broadcasting the ONNX way ([N], [1, N], [M, 1], [M, N], [1]). */
function cAt(c: Matrix, cShape: number[], i: number, j: number): number {
  const [cm, cn] = cShape.length === 2 ? cShape : [1, cShape[0] ?? 1];
  return c[(cm === 1 ? 0 : i) * cn + (cn === 1 ? 0 : j)];
}

export function gemm(a: Matrix, aShape: number[], b: Matrix, bShape: number[], c: Matrix | null, cShape: number[] | null, attrs: GemmAttrs = {}): Float64Array {
  const { alpha = 1, beta = 1, transA = false, transB = false } = attrs;
  const [m, k] = transA ? [aShape[1], aShape[0]] : aShape;
  const n = transB ? bShape[0] : bShape[1];
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(a, aShape[1], transA, i, p) * at(b, bShape[1], transB, p, j);
      y[i * n + j] = alpha * s + (c && cShape ? beta * cAt(c, cShape, i, j) : 0);
    }
  }
  return y;
}

/** Gradients of sum(dy * gemm(a, b, c)) with respect to a, b and (if cShape is given) c. */
export function gemmBackward(a: Matrix, aShape: number[], b: Matrix, bShape: number[], dy: Matrix, attrs: GemmAttrs = {}, cShape?: number[]) {
  const { alpha = 1, beta = 1, transA = false, transB = false } = attrs;
  const [m, k] = transA ? [aShape[1], aShape[0]] : aShape;
  const n = transB ? bShape[0] : bShape[1];
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  const dc = cShape ? new Float64Array(cShape.reduce((x, y) => x * y, 1)) : undefined;
  const [cm, cn] = cShape?.length === 2 ? cShape : [1, cShape?.[0] ?? 1];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = dy[i * n + j];
      // y(i, j) += alpha * op(a)(i, p) * op(b)(p, j): each term sends g along both factors.
      for (let p = 0; p < k; p++) {
        da[transA ? p * aShape[1] + i : i * aShape[1] + p] += alpha * g * at(b, bShape[1], transB, p, j);
        db[transB ? j * bShape[1] + p : p * bShape[1] + j] += alpha * g * at(a, aShape[1], transA, i, p);
      }
      if (dc) dc[(cm === 1 ? 0 : i) * cn + (cn === 1 ? 0 : j)] += beta * g;
    }
  }
  return { da, db, dc };
}
