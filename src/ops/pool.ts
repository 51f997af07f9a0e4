// Pooling (ONNX MaxPool with Indices, AveragePool, GlobalAveragePool, MaxUnpool; NCHW) and the
// backward kernels. Max-pool's backward and MaxUnpool are one gather kernel (max-unpool.wgsl):
// the backward sums over windows that chose the same element, the unpooling keeps the last one.
//
// Every kernel works plane by plane (a plane is one (n, c) image), so a tensor too large to bind
// whole is processed in chunks of planes, each bound as a byte range.

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';
import { poolGeometry, pooledShape, unpoolGeometry, type AvgPoolAttrs, type PoolAttrs, type PoolGeometry, type UnpoolAttrs } from './pool-geometry.ts';

export type { AvgPoolAttrs, PoolAttrs, UnpoolAttrs } from './pool-geometry.ts';

/** Elements per thread along a row: the kernels' vec4 lanes. */
const SEGMENT = 4;
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

/** The uniforms every windowed kernel shares (pads and dilations as the shader declares them). */
function windowUniforms(g: PoolGeometry) {
  return { kH: g.kH, kW: g.kW, sH: g.sH, sW: g.sW, padT: g.padT, padL: g.padL, dH: g.dH, dW: g.dW };
}

/** The max-unpool gather: out [n, c, g.inH, g.inW] from pooled values and switches [n, c, g.outH, g.outW]. */
function unpoolGather(engine: Engine, op: string, pooled: Tensor, switches: Tensor, g: PoolGeometry, accumulate: boolean): Tensor {
  const pooledPlane = g.outH * g.outW;
  const outPlane = g.inH * g.inW;
  const chunks = planeChunks(engine, op, g.n * g.c, [pooledPlane, outPlane]);
  return engine.scoped(op, () => {
    const out = engine.empty([g.n, g.c, g.inH, g.inW]);
    const segments = Math.ceil(g.inW / SEGMENT);
    for (const chunk of chunks) {
      engine.run('max-unpool', {
        bindings: { y: chunk.bind(pooled, pooledPlane), switches: chunk.bind(switches, pooledPlane), out: chunk.bind(out, outPlane) },
        uniforms: {
          ...windowUniforms(g),
          planes: chunk.count,
          pooledH: g.outH,
          pooledW: g.outW,
          outH: g.inH,
          outW: g.inW,
          segments,
          planeOffset: chunk.first,
          accumulate: accumulate ? 1 : 0,
        },
        workgroups: groupsFor(chunk.count * g.inH * segments, WG),
      });
    }
    return out;
  });
}

/** Checks that a gradient (and switches) has the pooled shape of xShape. */
function checkPooled(op: string, name: string, t: Tensor, g: PoolGeometry, xShape: readonly number[]): void {
  const want = pooledShape(g);
  check(op, t.shape.every((d, i) => d === want[i]), () => `${name} ${shapeString(t.shape)} must have the pooled shape ${shapeString(want)} of x ${shapeString(xShape)}`);
}

function avgPoolUniforms(g: PoolGeometry, countIncludePad: boolean | number | undefined) {
  return { ...windowUniforms(g), padB: g.padB, padR: g.padR, includePad: countIncludePad ? 1 : 0 };
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
        for (const chunk of chunks) {
          engine.run('max-pool', {
            bindings: { x: chunk.bind(x, inPlane), y: chunk.bind(y, outPlane), switches: chunk.bind(switches, outPlane) },
            uniforms: { ...windowUniforms(g), planes: chunk.count, inH: g.inH, inW: g.inW, outH: g.outH, outW: g.outW, segments, planeOffset: chunk.first },
            workgroups: groupsFor(chunk.count * g.outH * segments, WG),
          });
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
        for (const chunk of chunks) {
          engine.run('avg-pool', {
            bindings: { x: chunk.bind(x, inPlane), y: chunk.bind(y, outPlane) },
            uniforms: { ...avgPoolUniforms(g, attrs.countIncludePad), planes: chunk.count, inH: g.inH, inW: g.inW, outH: g.outH, outW: g.outW, segments },
            workgroups: groupsFor(chunk.count * g.outH * segments, WG),
          });
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
        for (const chunk of chunks) {
          engine.run('avg-pool-backward', {
            bindings: { dy: chunk.bind(dy, outPlane), dx: chunk.bind(dx, inPlane) },
            uniforms: { ...avgPoolUniforms(g, attrs.countIncludePad), planes: chunk.count, pooledH: g.outH, pooledW: g.outW, inH: g.inH, inW: g.inW, segments },
            workgroups: groupsFor(chunk.count * g.inH * segments, WG),
          });
        }
        return dx;
      });
    },

    /** dx of globalAveragePool: dy / (H * W) broadcast over each plane. */
    globalAveragePool(dy: Tensor, xShape: number[]): Tensor {
      const op = 'globalAveragePool backward';
      checkTensor(op, 'dy', dy, 4);
      check(op, Array.isArray(xShape) && xShape.length === 4 && xShape.every((d) => Number.isInteger(d) && d > 0), () => `xShape must be 4 positive integers [N, C, H, W], got ${JSON.stringify(xShape)}`);
      const [n, c, h, w] = xShape;
      check(op, dy.shape[0] === n && dy.shape[1] === c && dy.shape[2] === 1 && dy.shape[3] === 1, () => `dy ${shapeString(dy.shape)} must be [${n}, ${c}, 1, 1] for x ${shapeString(xShape)}`);
      const chunks = planeChunks(engine, op, n * c, [h * w]);
      return engine.scoped(op, () => {
        const dx = engine.empty(xShape);
        for (const chunk of chunks) {
          const size = chunk.count * h * w;
          engine.run('global-average-pool-backward', {
            bindings: { dy: chunk.bind(dy, 1), dx: chunk.bind(dx, h * w) },
            uniforms: { n: size, size: h * w },
            workgroups: groupsFor(size, 256 * 4),
          });
        }
        return dx;
      });
    },
  };
}
