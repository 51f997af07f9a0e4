// Gemm (ONNX): y = alpha * op(a) op(b) + beta * c, with c broadcast to [M, N], and its backward.
//
// Kernels: gemm-nt (a row-major, b transposed: fully connected weights) and gemm-nn (both
// row-major) read vec4 along k and compute 8x8 tiles; their -row variants serve a single row
// (one image), where every weight is used once; gemm-tn (a transposed: weight gradients) reads
// vec4 along m and n; gemm reads through strides and covers every other case. Those suit CPU
// drivers; on a GPU (engine.tuning 'gpu') every product runs gemm-tiled, which stages 64 x 64
// tiles through workgroup memory. Operands larger than one storage binding are bound in pieces
// (gemm-pieces.ts).

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { planBlocks, span, type Blocks, type OperandLayout } from './gemm-pieces.ts';
import { rangeBinding, rangeLimit } from './range-binding.ts';
import { check, checkTensor, groupsFor, shapeString } from './util.ts';

export interface GemmAttrs {
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

interface Product {
  /** y [M, N] = alpha * A'B' (+ beta * c | + y), A' = op(a) [M, K], B' = op(b) [K, N] */
  a: Tensor;
  b: Tensor;
  y: Tensor;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  /** c with its broadcast shape [cm, cn] (each 1 or the full size), or none. */
  c?: { tensor: Tensor; cm: number; cn: number; beta: number };
}

const WG = 64;

interface Kernel {
  name: 'gemm' | 'gemm-nt' | 'gemm-nn' | 'gemm-tn' | 'gemm-nt-row' | 'gemm-nn-row' | 'gemm-tiled';
  /** The tile of y one thread computes. */
  rows: number;
  cols: number;
}

function chooseKernel(engine: Engine, m: number, n: number, k: number, transA: boolean, transB: boolean): Kernel {
  if (engine.tuning === 'gpu') return { name: 'gemm-tiled', rows: GPU_TILE, cols: GPU_TILE };
  if (transA && !transB && m % 4 === 0 && n % 4 === 0) return { name: 'gemm-tn', rows: 8, cols: 8 };
  const vec4 = !transA && k % 4 === 0 && (transB || n % 4 === 0);
  if (!vec4) return { name: 'gemm', rows: 4, cols: 4 };
  if (m === 1) return { name: transB ? 'gemm-nt-row' : 'gemm-nn-row', rows: 1, cols: 8 };
  return { name: transB ? 'gemm-nt' : 'gemm-nn', rows: 8, cols: 8 };
}

/** Rows and columns of y per workgroup of gemm-tiled.wgsl. */
const GPU_TILE = 64;
/** Workgroups a GPU product aims for at least: with fewer tiles, the sum over k is split. */
const GPU_WORKGROUPS = 128;
/** Fewest k values one slice of a split product sums. */
const GPU_MIN_SLICE_K = 256;

/**
 * Records one piece with gemm-tiled.wgsl: one workgroup per 64 x 64 tile of y, and when that gives
 * a GPU too few workgroups (a fully connected layer at a small batch: few rows, long sums), the sum
 * over k split into slices whose partial products gemm-split-sum.wgsl adds up.
 */
function runTiled(engine: Engine, piece: { m: number; n: number; k: number }, bindings: Record<'a' | 'b' | 'c' | 'y', Binding>, uniforms: Record<string, number>): void {
  const grid = [Math.ceil(piece.n / GPU_TILE), Math.ceil(piece.m / GPU_TILE)];
  const size = piece.m * piece.n;
  const wanted = Math.min(
    Math.ceil(GPU_WORKGROUPS / (grid[0] * grid[1])),
    Math.floor(piece.k / GPU_MIN_SLICE_K),
    Math.floor(rangeLimit(engine) / size), // the partial products are bound whole
    engine.limits.maxComputeWorkgroupsPerDimension,
  );
  if (wanted <= 1) {
    engine.run('gemm-tiled', { bindings, uniforms: { ...uniforms, kSlice: piece.k, ySlice: 0 }, workgroups: [grid[0], grid[1], 1] });
    return;
  }
  const kSlice = Math.ceil(piece.k / wanted);
  const slices = Math.ceil(piece.k / kSlice);
  const partial = engine.empty([slices * size]);
  engine.run('gemm-tiled', {
    bindings: { ...bindings, y: partial },
    uniforms: { ...uniforms, yOff: 0, ySm: piece.n, epilogue: 0, kSlice, ySlice: size },
    workgroups: [grid[0], grid[1], slices],
  });
  const { cOff, cSm, cSn, yOff, ySm, beta, epilogue } = uniforms;
  engine.run('gemm-split-sum', {
    bindings: { partial, c: bindings.c, y: bindings.y },
    uniforms: { m: piece.m, n: piece.n, slices, cOff, cSm, cSn, yOff, ySm, beta, epilogue },
    workgroups: groupsFor(size, 256),
  });
  partial.dispose();
}

function resolveAttrs(op: string, attrs: GemmAttrs = {}) {
  const { alpha = 1, beta = 1, transA = false, transB = false } = attrs;
  check(op, Number.isFinite(alpha) && Number.isFinite(beta), `alpha ${alpha} and beta ${beta} must be finite numbers`);
  return { alpha, beta, transA: !!transA, transB: !!transB };
}

/** [M, K, N] from a and b (rank 2, inner dimensions agreeing). */
function productShape(op: string, a: Tensor, b: Tensor, transA: boolean, transB: boolean): [number, number, number] {
  checkTensor(op, 'a', a, 2);
  checkTensor(op, 'b', b, 2);
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
  check(op, ka === kb, () => `inner dimensions do not agree: a ${shapeString(a.shape)}${transA ? ' (transposed)' : ''} and b ${shapeString(b.shape)}${transB ? ' (transposed)' : ''} give ${ka} and ${kb}`);
  return [m, ka, n];
}

/** c's shape as [cm, cn] if it broadcasts to [M, N] the way ONNX allows (unidirectionally). */
function broadcastShape(op: string, cShape: readonly number[], m: number, n: number): [number, number] {
  const fits = cShape.length <= 2 && cShape.every((d, i) => d === 1 || d === [m, n][i + 2 - cShape.length]);
  check(op, fits, () => `c ${shapeString([...cShape])} does not broadcast to the output [${m}, ${n}]`);
  return cShape.length === 2 ? [cShape[0], cShape[1]] : [1, cShape.length === 1 ? cShape[0] : 1];
}

/** Records y = alpha * A'B' (+ beta * c) as one dispatch per piece. */
function runProduct(engine: Engine, p: Product): void {
  const { m, n, k, transA, transB } = p;
  const kernel = chooseKernel(engine, m, n, k, transA, transB);
  const cStrides = p.c ? { sm: p.c.cm > 1 ? p.c.cn : 0, sn: p.c.cn > 1 ? 1 : 0 } : { sm: 0, sn: 0 };

  const operands: OperandLayout[] = [
    transA ? { name: 'a', major: 'k', minor: 'm', stride: m } : { name: 'a', major: 'm', minor: 'k', stride: k },
    transB ? { name: 'b', major: 'n', minor: 'k', stride: k } : { name: 'b', major: 'k', minor: 'n', stride: n },
    { name: 'y', major: 'm', minor: 'n', stride: n },
  ];
  if (p.c && p.c.cm > 1) operands.push({ name: 'c', major: 'm', minor: p.c.cn > 1 ? 'n' : null, stride: cStrides.sm });
  else if (p.c && p.c.cn > 1) operands.push({ name: 'c', major: 'n', minor: null, stride: 1 });
  const limit = rangeLimit(engine);
  // vec4 kernels need every piece to start on a vec4 along the dimensions they read as vec4.
  const vec4 = kernel.name !== 'gemm' && kernel.name !== 'gemm-tiled';
  const quantum: Blocks = { m: transA && vec4 ? 4 : 1, n: vec4 && !transB ? 4 : 1, k: vec4 && !transA ? 4 : 1 };
  const blocks = planBlocks({ m, n, k }, operands, limit, quantum);

  for (let m0 = 0; m0 < m; m0 += blocks.m) {
    for (let n0 = 0; n0 < n; n0 += blocks.n) {
      for (let k0 = 0; k0 < k; k0 += blocks.k) {
        const piece = { m: Math.min(blocks.m, m - m0), n: Math.min(blocks.n, n - n0), k: Math.min(blocks.k, k - k0) };
        const at = (op: OperandLayout, tensor: Tensor, start: number) => rangeBinding(engine, tensor, start, span(op, piece));
        const a = at(operands[0], p.a, transA ? k0 * m + m0 : m0 * k + k0);
        const b = at(operands[1], p.b, transB ? n0 * k + k0 : k0 * n + n0);
        const y = at(operands[2], p.y, m0 * n + n0);
        const first = k0 === 0;
        const c = p.c && first ? rangeBinding(engine, p.c.tensor, m0 * cStrides.sm + n0 * cStrides.sn, (piece.m - 1) * cStrides.sm + (piece.n - 1) * cStrides.sn + 1) : null;
        const uniforms: Record<string, number> = {
          m: piece.m,
          n: piece.n,
          k: piece.k,
          aOff: a.skip,
          bOff: b.skip,
          cOff: c?.skip ?? 0,
          cSm: cStrides.sm,
          cSn: cStrides.sn,
          yOff: y.skip,
          ySm: n,
          alpha: p.alpha,
          beta: p.c?.beta ?? 0,
          epilogue: !first ? 2 : c ? 1 : 0,
        };
        if (!vec4) {
          Object.assign(uniforms, transA ? { aSm: 1, aSk: m } : { aSm: k, aSk: 1 });
          Object.assign(uniforms, transB ? { bSk: 1, bSn: k } : { bSk: n, bSn: 1 });
        } else {
          // The vec4 kernels take the row stride of each operand as stored.
          if (transA) uniforms.aSk = m;
          else uniforms.aSm = k;
          if (transB) uniforms.bSn = k;
          else uniforms.bSk = n;
        }
        // Without c, a stands in for the binding the kernel then never reads.
        const bindings = { a: a.binding, b: b.binding, c: c?.binding ?? a.binding, y: y.binding };
        if (kernel.name === 'gemm-tiled') {
          runTiled(engine, piece, bindings, uniforms);
        } else {
          const tiles = Math.ceil(piece.m / kernel.rows) * Math.ceil(piece.n / kernel.cols);
          engine.run(kernel.name, { bindings, uniforms, workgroups: groupsFor(tiles, WG) });
        }
      }
    }
  }
}

/** A [rows, cols] tensor of ones (for reductions written as products). */
function ones(engine: Engine, rows: number, cols: number): Tensor {
  return engine.tensor(new Float32Array(rows * cols).fill(1), [rows, cols]);
}

export function gemmOps(engine: Engine) {
  return {
    /** ONNX Gemm: alpha * op(a) op(b) + beta * c -> [M, N]; c broadcasts from [N], [1, N], [M, 1], [M, N] or [1]. */
    gemm(a: Tensor, b: Tensor, c?: Tensor | null, attrs: GemmAttrs = {}): Tensor {
      const { alpha, beta, transA, transB } = resolveAttrs('gemm', attrs);
      const [m, k, n] = productShape('gemm', a, b, transA, transB);
      let bias: Product['c'];
      if (c) {
        checkTensor('gemm', 'c', c);
        const [cm, cn] = broadcastShape('gemm', c.shape, m, n);
        if (beta !== 0) bias = { tensor: c, cm, cn, beta };
      }
      return engine.scoped('gemm', () => {
        const y = engine.empty([m, n]);
        runProduct(engine, { a, b, y, m, n, k, transA, transB, alpha, c: bias });
        return y;
      });
    },
  };
}

export function gemmGrads(engine: Engine) {
  const grads = {
    /** da for y = gemm(a, b, c, attrs), given dy [M, N]: alpha * dy op(b)^T, transposed back if transA. */
    gemmDa(b: Tensor, dy: Tensor, attrs: GemmAttrs = {}): Tensor {
      const op = 'gemm backward';
      const { alpha, transA, transB } = resolveAttrs(op, attrs);
      checkTensor(op, 'b', b, 2);
      checkTensor(op, 'dy', dy, 2);
      const [m, n] = dy.shape;
      const [k, nb] = transB ? [b.shape[1], b.shape[0]] : b.shape;
      check(op, nb === n, () => `dy ${shapeString(dy.shape)} does not match b ${shapeString(b.shape)}${transB ? ' (transposed)' : ''}`);
      return engine.scoped(op, () => {
        if (!transA) {
          const da = engine.empty([m, k]);
          runProduct(engine, { a: dy, b, y: da, m, n: k, k: n, transA: false, transB: !transB, alpha });
          return da;
        }
        const da = engine.empty([k, m]);
        runProduct(engine, { a: b, b: dy, y: da, m: k, n: m, k: n, transA: transB, transB: true, alpha });
        return da;
      });
    },

    /** db for y = gemm(a, b, c, attrs), given dy [M, N]: alpha * op(a)^T dy, transposed back if transB. */
    gemmDb(a: Tensor, dy: Tensor, attrs: GemmAttrs = {}): Tensor {
      const op = 'gemm backward';
      const { alpha, transA, transB } = resolveAttrs(op, attrs);
      checkTensor(op, 'a', a, 2);
      checkTensor(op, 'dy', dy, 2);
      const [m, n] = dy.shape;
      const [ma, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
      check(op, ma === m, () => `dy ${shapeString(dy.shape)} does not match a ${shapeString(a.shape)}${transA ? ' (transposed)' : ''}`);
      return engine.scoped(op, () => {
        if (!transB) {
          const db = engine.empty([k, n]);
          runProduct(engine, { a, b: dy, y: db, m: k, n, k: m, transA: !transA, transB: false, alpha });
          return db;
        }
        const db = engine.empty([n, k]);
        runProduct(engine, { a: dy, b: a, y: db, m: n, n: k, k: m, transA: true, transB: transA, alpha });
        return db;
      });
    },

    /** dc: beta * dy summed over the dimensions c was broadcast along, in c's shape. */
    gemmDc(dy: Tensor, cShape: number[], beta = 1): Tensor {
      const op = 'gemm backward';
      checkTensor(op, 'dy', dy, 2);
      check(op, Number.isFinite(beta), `beta ${beta} must be a finite number`);
      const [m, n] = dy.shape;
      const [cm, cn] = broadcastShape(op, cShape, m, n);
      return engine.scoped(op, () => {
        const dc = engine.empty(cShape);
        if (cm === m && cn === n && (m > 1 || n > 1)) {
          // No reduction: dc = beta * dy, written as the product of dy (as a column [M*N, 1])
          // and [[1]], so that it splits like any product.
          const one = ones(engine, 1, 1);
          runProduct(engine, { a: dy, b: one, y: dc, m: m * n, n: 1, k: 1, transA: false, transB: false, alpha: beta });
          one.dispose();
        } else if (cm === m) {
          // Row sums: dy [M, N] 1 [N, 1].
          const one = ones(engine, n, 1);
          runProduct(engine, { a: dy, b: one, y: dc, m, n: 1, k: n, transA: false, transB: false, alpha: beta });
          one.dispose();
        } else if (cn === n) {
          // Column sums: 1 [1, M] dy [M, N].
          const one = ones(engine, 1, m);
          runProduct(engine, { a: one, b: dy, y: dc, m: 1, n, k: m, transA: false, transB: false, alpha: beta });
          one.dispose();
        } else {
          // The total: (1 [1, M] dy) 1 [N, 1].
          const rowOnes = ones(engine, 1, m);
          const colSums = engine.empty([1, n]);
          runProduct(engine, { a: rowOnes, b: dy, y: colSums, m: 1, n, k: m, transA: false, transB: false, alpha: 1 });
          const colOnes = ones(engine, n, 1);
          runProduct(engine, { a: colSums, b: colOnes, y: dc, m: 1, n: 1, k: n, transA: false, transB: false, alpha: beta });
          for (const t of [rowOnes, colSums, colOnes]) t.dispose();
        }
        return dc;
      });
    },

    /** All gradients of y = gemm(a, b, c, attrs); dc only when c's shape is given. */
    gemm(a: Tensor, b: Tensor, dy: Tensor, attrs: GemmAttrs = {}, cShape?: number[]): { da: Tensor; db: Tensor; dc?: Tensor } {
      const { transA, transB, beta } = resolveAttrs('gemm backward', attrs);
      const [m, , n] = productShape('gemm backward', a, b, transA, transB);
      checkTensor('gemm backward', 'dy', dy, 2);
      check('gemm backward', dy.shape[0] === m && dy.shape[1] === n, () => `dy ${shapeString(dy.shape)} must be the output shape [${m}, ${n}]`);
      if (cShape) broadcastShape('gemm backward', cShape, m, n);
      return {
        da: grads.gemmDa(b, dy, attrs),
        db: grads.gemmDb(a, dy, attrs),
        ...(cShape ? { dc: grads.gemmDc(dy, cShape, beta) } : {}),
      };
    },
  };
  return grads;
}
