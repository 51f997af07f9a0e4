// Pooling (ONNX MaxPool with Indices, AveragePool, GlobalAveragePool, MaxUnpool; NCHW) and the
// backward kernels. Max-pool's backward and MaxUnpool are one gather kernel (max-unpool.wgsl):
// the backward sums over windows that chose the same element, the unpooling keeps the last one.
//
// The windowed kernels have no loops (on SwiftShader, a CPU driver, a loop around the loads costs
// more than the loads): a dispatch handles a fixed block of taps or windows, unrolled in the
// shader and trimmed by overrides (tile sizes, at most 3 a side), and larger windows take several
// passes that merge into the output. Every kernel works plane by plane (a plane is one (n, c)
// image), so a tensor too large to bind whole is processed in chunks of planes.

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';
import { checkShape4, poolGeometry, pooledShape, unpoolGeometry, type AvgPoolAttrs, type PoolAttrs, type PoolGeometry, type UnpoolAttrs } from './pool-geometry.ts';

export type { AvgPoolAttrs, PoolAttrs, UnpoolAttrs } from './pool-geometry.ts';

/** Elements per thread along a row: the kernels' vec4 lanes. */
const SEGMENT = 4;
/** Rows per thread in the gather kernels. */
const GATHER_ROWS = 2;
const WG = 64;

interface PlaneChunk {
  first: number;
  count: number;
  /** The chunk's planes of a tensor holding `perPlane` elements per plane (the whole tensor when there is one chunk). */
  bind(t: Tensor, perPlane: number): Binding;
}

/**
 * Splits `planes` planes into chunks whose bindings all fit maxStorageBufferBindingSize. Chunks
 * start at multiples of minStorageBufferOffsetAlignment / 4 planes, so every byte offset is
 * aligned whatever the plane size. Called before any GPU work: a plane too large is an Error.
 */
function planeChunks(engine: Engine, op: string, planes: number, perPlane: number[]): PlaneChunk[] {
  const limit = engine.limits.maxStorageBufferBindingSize;
  const planeBytes = Math.max(...perPlane) * 4;
  if (planes * planeBytes <= limit) return [{ first: 0, count: planes, bind: (t) => t }];
  const granule = engine.limits.minStorageBufferOffsetAlignment / 4;
  const step = Math.floor(limit / planeBytes / granule) * granule;
  check(op, step > 0, () => `${granule} planes of ${planeBytes} bytes exceed maxStorageBufferBindingSize (${limit}); the planes are too large to process in chunks`);
  const chunks: PlaneChunk[] = [];
  for (let first = 0; first < planes; first += step) {
    const count = Math.min(step, planes - first);
    chunks.push({ first, count, bind: (tensor, elements) => ({ tensor, offset: first * elements * 4, size: count * elements * 4 }) });
  }
  return chunks;
}

/**
 * The passes of the forward kernels: each visits a block of at most 3x3 window taps (the
 * overrides BH x BW: the kernel's size capped at 3, a tile size compiled into the pipeline), so
 * windows up to 3x3 take one pass.
 */
function tapBlocks(g: PoolGeometry) {
  const overrides = { BH: Math.min(3, g.kH), BW: Math.min(3, g.kW) };
  const blocks = [];
  for (let blockH = 0; blockH < Math.ceil(g.kH / 3); blockH++) {
    for (let blockW = 0; blockW < Math.ceil(g.kW / 3); blockW++) blocks.push({ blockH, blockW });
  }
  return { overrides, blocks };
}

/**
 * The passes of the gather kernels, in window order, for threads that each compute a block of
 * `blockRows` rows x 4 columns. A pass visits NR x NC windows (overrides, tile sizes of at most 3):
 * NR rows of windows, ending passRow * NR rows above the last one covering the block's last row,
 * and NC columns, starting NC * passCol after the first one covering its first column. Enough
 * passes that every window covering a block is visited. With `ordered` (MaxUnpool, where the last
 * window wins), a pass holds one row of windows when the columns take several passes, so that
 * windows are visited in row-major order.
 */
function windowPasses(g: PoolGeometry, blockRows: number, ordered: boolean) {
  const reachH = (g.kH - 1) * g.dH;
  const reachW = (g.kW - 1) * g.dW;
  // The most windows covering one block, along each axis.
  const covering = (size: number, block: number, pad: number, reach: number, stride: number, windows: number) => {
    let most = 1;
    for (let start = 0; start < size; start += block) {
      const first = Math.max(0, Math.ceil((start + pad - reach) / stride));
      const last = Math.min(windows - 1, Math.floor((Math.min(start + block, size) - 1 + pad) / stride));
      most = Math.max(most, last - first + 1);
    }
    return most;
  };
  const rows = covering(g.inH, blockRows, g.padT, reachH, g.sH, g.outH);
  const columns = covering(g.inW, SEGMENT, g.padL, reachW, g.sW, g.outW);
  const NC = Math.min(3, columns);
  const NR = columns <= 3 || !ordered ? Math.min(3, rows) : 1;
  const passes = [];
  for (let passRow = Math.ceil(rows / NR) - 1; passRow >= 0; passRow--) {
    for (let passCol = 0; passCol < Math.ceil(columns / NC); passCol++) passes.push({ passRow, passCol, first: passes.length === 0 ? 1 : 0 });
  }
  return { overrides: { NR, NC }, passes };
}

/** The max-unpool gather: out [n, c, g.inH, g.inW] from pooled values and switches [n, c, g.outH, g.outW]. */
function unpoolGather(engine: Engine, op: string, pooled: Tensor, switches: Tensor, g: PoolGeometry, accumulate: boolean): Tensor {
  const pooledPlane = g.outH * g.outW;
  const outPlane = g.inH * g.inW;
  const chunks = planeChunks(engine, op, g.n * g.c, [pooledPlane, outPlane]);
  return engine.scoped(op, () => {
    const out = engine.empty([g.n, g.c, g.inH, g.inW]);
    const segments = Math.ceil(g.inW / SEGMENT);
    const pairs = Math.ceil(g.inH / GATHER_ROWS);
    const { overrides, passes } = windowPasses(g, GATHER_ROWS, !accumulate);
    for (const chunk of chunks) {
      for (const pass of passes) {
        engine.run('max-unpool', {
          overrides: { ...overrides, ACCUMULATE: accumulate ? 1 : 0 },
          bindings: { y: chunk.bind(pooled, pooledPlane), switches: chunk.bind(switches, pooledPlane), out: chunk.bind(out, outPlane) },
          uniforms: {
            ...pass,
            planes: chunk.count,
            pooledH: g.outH,
            pooledW: g.outW,
            outH: g.inH,
            outW: g.inW,
            pairs,
            segments,
            sH: g.sH,
            sW: g.sW,
            padT: g.padT,
            padL: g.padL,
            reachW: (g.kW - 1) * g.dW,
            planeOffset: chunk.first,
          },
          workgroups: groupsFor(chunk.count * pairs * segments, WG),
        });
      }
    }
    return out;
  });
}

/** Checks that a gradient (and switches) has the pooled shape of xShape. */
function checkPooled(op: string, name: string, t: Tensor, g: PoolGeometry, xShape: readonly number[]): void {
  const want = pooledShape(g);
  check(op, t.shape.every((d, i) => d === want[i]), () => `${name} ${shapeString(t.shape)} must have the pooled shape ${shapeString(want)} of x ${shapeString(xShape)}`);
}

/** The window uniforms of max-pool. */
function maxPoolUniforms(g: PoolGeometry) {
  const { inH, inW, outH, outW, kH, kW, sH, sW, padT, padL, dH, dW } = g;
  return { inH, inW, outH, outW, kH, kW, sH, sW, padT, padL, dH, dW, lowest: -Infinity };
}

/** The window uniforms of avg-pool and avg-pool-backward (the backward calls the output "pooled"). */
function avgPoolUniforms(g: PoolGeometry, countIncludePad: boolean | number | undefined) {
  const { inH, inW, kH, kW, sH, sW, padT, padL, padB, padR, dH, dW } = g;
  return { inH, inW, kH, kW, sH, sW, padT, padL, padB, padR, dH, dW, includePad: countIncludePad ? 1 : 0 };
}

export function poolOps(engine: Engine) {
  return {
    /** ONNX MaxPool with Indices: y and switches (Int32 flat NCHW indices into x of each window's first maximum). */
    maxPool2d(x: Tensor, attrs: PoolAttrs): { y: Tensor; switches: Tensor } {
      checkTensor('maxPool2d', 'x', x, 4);
      const g = poolGeometry('maxPool2d', x.shape, attrs);
      const inPlane = g.inH * g.inW;
      const outPlane = g.outH * g.outW;
      const chunks = planeChunks(engine, 'maxPool2d', g.n * g.c, [inPlane, outPlane]);
      return engine.scoped('maxPool2d', () => {
        const y = engine.empty(pooledShape(g));
        const switches = engine.empty(pooledShape(g), 'i32');
        const segments = Math.ceil(g.outW / SEGMENT);
        const { overrides, blocks } = tapBlocks(g);
        for (const chunk of chunks) {
          for (const block of blocks) {
            engine.run('max-pool', {
              overrides,
              bindings: { x: chunk.bind(x, inPlane), y: chunk.bind(y, outPlane), switches: chunk.bind(switches, outPlane) },
              uniforms: { ...maxPoolUniforms(g), ...block, planes: chunk.count, segments, planeOffset: chunk.first },
              workgroups: groupsFor(chunk.count * g.outH * segments, WG),
            });
          }
        }
        return { y, switches };
      });
    },

    /** ONNX MaxUnpool: y's values at the switch positions of an x-shaped tensor, zeros elsewhere. */
    maxUnpool2d(y: Tensor, switches: Tensor, attrs: UnpoolAttrs): Tensor {
      checkTensor('maxUnpool2d', 'y', y, 4);
      checkTensor('maxUnpool2d', 'switches', switches, 4, 'i32');
      checkSameShape('maxUnpool2d', y, switches, ['y', 'switches']);
      const g = unpoolGeometry('maxUnpool2d', y.shape, attrs);
      return unpoolGather(engine, 'maxUnpool2d', y, switches, g, false);
    },

    /** ONNX AveragePool. */
    avgPool2d(x: Tensor, attrs: AvgPoolAttrs): Tensor {
      checkTensor('avgPool2d', 'x', x, 4);
      const g = poolGeometry('avgPool2d', x.shape, attrs);
      const inPlane = g.inH * g.inW;
      const outPlane = g.outH * g.outW;
      const chunks = planeChunks(engine, 'avgPool2d', g.n * g.c, [inPlane, outPlane]);
      return engine.scoped('avgPool2d', () => {
        const y = engine.empty(pooledShape(g));
        const segments = Math.ceil(g.outW / SEGMENT);
        const { overrides, blocks } = tapBlocks(g);
        for (const chunk of chunks) {
          for (const block of blocks) {
            engine.run('avg-pool', {
              overrides,
              bindings: { x: chunk.bind(x, inPlane), y: chunk.bind(y, outPlane) },
              uniforms: { ...avgPoolUniforms(g, attrs.countIncludePad), ...block, planes: chunk.count, outH: g.outH, outW: g.outW, segments },
              workgroups: groupsFor(chunk.count * g.outH * segments, WG),
            });
          }
        }
        return y;
      });
    },

    /** ONNX GlobalAveragePool: [N, C, H, W] -> [N, C, 1, 1]. */
    globalAveragePool(x: Tensor): Tensor {
      checkTensor('globalAveragePool', 'x', x, 4);
      const [n, c, h, w] = x.shape;
      const chunks = planeChunks(engine, 'globalAveragePool', n * c, [h * w]);
      return engine.scoped('globalAveragePool', () => {
        const y = engine.empty([n, c, 1, 1]);
        for (const chunk of chunks) {
          engine.run('global-average-pool', {
            bindings: { x: chunk.bind(x, h * w), y: chunk.bind(y, 1) },
            uniforms: { planes: chunk.count, size: h * w },
            workgroups: groupsFor(chunk.count, WG),
          });
        }
        return y;
      });
    },
  };
}

export function poolGrads(engine: Engine) {
  return {
    /** dx of maxPool2d: dy routed through the switches (summed where windows share a maximum). */
    maxPool2d(dy: Tensor, switches: Tensor, xShape: number[], attrs: PoolAttrs): Tensor {
      const op = 'maxPool2d backward';
      checkTensor(op, 'dy', dy, 4);
      checkTensor(op, 'switches', switches, 4, 'i32');
      const g = poolGeometry(op, xShape, attrs);
      checkPooled(op, 'dy', dy, g, xShape);
      checkPooled(op, 'switches', switches, g, xShape);
      return unpoolGather(engine, op, dy, switches, g, true);
    },

    /** dx of avgPool2d: each window's dy / count spread over its taps. */
    avgPool2d(dy: Tensor, xShape: number[], attrs: AvgPoolAttrs): Tensor {
      const op = 'avgPool2d backward';
      checkTensor(op, 'dy', dy, 4);
      const g = poolGeometry(op, xShape, attrs);
      checkPooled(op, 'dy', dy, g, xShape);
      const inPlane = g.inH * g.inW;
      const outPlane = g.outH * g.outW;
      const chunks = planeChunks(engine, op, g.n * g.c, [inPlane, outPlane]);
      return engine.scoped(op, () => {
        const dx = engine.empty(xShape);
        const segments = Math.ceil(g.inW / SEGMENT);
        const pairs = Math.ceil(g.inH / GATHER_ROWS);
        const { overrides, passes } = windowPasses(g, GATHER_ROWS, false);
        for (const chunk of chunks) {
          for (const pass of passes) {
            engine.run('avg-pool-backward', {
              overrides,
              bindings: { dy: chunk.bind(dy, outPlane), dx: chunk.bind(dx, inPlane) },
              uniforms: { ...avgPoolUniforms(g, attrs.countIncludePad), ...pass, planes: chunk.count, pooledH: g.outH, pooledW: g.outW, pairs, segments },
              workgroups: groupsFor(chunk.count * pairs * segments, WG),
            });
          }
        }
        return dx;
      });
    },

    /** dx of globalAveragePool: dy / (H * W) broadcast over each plane. */
    globalAveragePool(dy: Tensor, xShape: number[]): Tensor {
      const op = 'globalAveragePool backward';
      checkTensor(op, 'dy', dy, 4);
      const [n, c, h, w] = checkShape4(op, 'input shape', xShape);
      check(op, dy.shape[0] === n && dy.shape[1] === c && dy.shape[2] === 1 && dy.shape[3] === 1, () => `dy ${shapeString(dy.shape)} must be [${n}, ${c}, 1, 1] for x ${shapeString(xShape)}`);
      const chunks = planeChunks(engine, op, n * c, [h * w]);
      return engine.scoped(op, () => {
        const dx = engine.empty(xShape);
        const segments = Math.ceil((h * w) / SEGMENT);
        for (const chunk of chunks) {
          engine.run('global-average-pool-backward', {
            bindings: { dy: chunk.bind(dy, 1), dx: chunk.bind(dx, h * w) },
            uniforms: { planes: chunk.count, size: h * w, segments },
            workgroups: groupsFor(chunk.count * segments, WG),
          });
        }
        return dx;
      });
    },
  };
}
