// Pooling (ONNX MaxPool with Indices, AveragePool, GlobalAveragePool, MaxUnpool; NCHW) and the
// backward kernels. MaxUnpool and max-pool's backward are scatters through the switches into a
// zeroed tensor (max-unpool.wgsl, max-pool-backward.wgsl); average pooling's backward is a scatter
// when its windows do not overlap (avg-pool-backward-scatter.wgsl), else a gather.
//
// On SwiftShader (a CPU driver) every instruction of a kernel runs, masked or not, and loops cost
// more than the loads they repeat, so the windowed kernels have neither: a dispatch handles a
// fixed block of taps or windows, unrolled in the shader and trimmed by overrides (tile sizes, at
// most 3 a side), and larger windows take several passes that merge into the output. The forward
// kernels have a fast form for the common geometries (max-pool-strip.wgsl, avg-pool-strip.wgsl:
// see stripFits) and a general one. Every kernel works plane by plane (a plane is one (n, c)
// image), so a tensor too large to bind whole is processed in chunks of planes.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';
import { checkShape4, poolGeometry, pooledShape, unpoolGeometry, type AvgPoolAttrs, type PoolAttrs, type PoolGeometry, type UnpoolAttrs } from './pool-geometry.ts';
import { backwardPhases, coversInput, overlapReach, planeChunks, scatterFits, SEGMENT, stripFits, stripMaxBlocks, tapBlocks, windowPasses, type PlaneChunk } from './pool-passes.ts';

export type { AvgPoolAttrs, PoolAttrs, UnpoolAttrs } from './pool-geometry.ts';

/**
 * Max-pool's backward runs its phases over blocks of planes of about this much dx, so that each
 * phase after the first finds the block in the CPU's cache. Measured on SwiftShader at SqueezeNet's
 * pool1, batch 8 (25 MB of dx): 6% to a third faster than phases over the whole tensor, depending
 * on the load; smaller blocks lose more to the extra dispatches than they gain.
 */
const BACKWARD_BLOCK_BYTES = 4 << 20;
/** Rows per thread in the gather kernel (avg-pool-backward.wgsl). */
const GATHER_ROWS = 2;
const WG = 64;

/**
 * MaxUnpool: out [n, c, g.inH, g.inW] from pooled values and switches [n, c, g.outH, g.outW], a
 * scatter into zeros in which a window stores only if no later window overlapping it has the same
 * switch (RH, RW: how many later window rows and columns can overlap it).
 */
function unpoolScatter(engine: Engine, op: string, pooled: Tensor, switches: Tensor, g: PoolGeometry): Tensor {
  const pooledPlane = g.outH * g.outW;
  const outPlane = g.inH * g.inW;
  const chunks = planeChunks(engine, op, g.n * g.c, [pooledPlane, outPlane]);
  return engine.scoped(op, () => {
    const out = engine.zeros([g.n, g.c, g.inH, g.inW]);
    const segments = Math.ceil(g.outW / SEGMENT);
    const pairs = Math.ceil(g.outH / 2); // max-unpool.wgsl handles 2 window rows a thread
    const overrides = { RH: overlapReach(g.kH, g.sH, g.outH), RW: overlapReach(g.kW, g.sW, g.outW) };
    for (const chunk of chunks) {
      engine.run('max-unpool', {
        overrides,
        bindings: { y: chunk.bind(pooled, pooledPlane), switches: chunk.bind(switches, pooledPlane), out: chunk.bind(out, outPlane) },
        uniforms: { planes: chunk.count, pooledH: g.outH, pooledW: g.outW, planeSize: outPlane, pairs, segments, planeOffset: chunk.first },
        workgroups: groupsFor(chunk.count * pairs * segments, WG),
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

/** The window uniforms of avg-pool and avg-pool-backward (the backward calls the output "pooled"). */
function avgPoolUniforms(g: PoolGeometry, countIncludePad: boolean | number | undefined) {
  const { inH, inW, kH, kW, sH, sW, padT, padL, padB, padR, dH, dW } = g;
  return { inH, inW, kH, kW, sH, sW, padT, padL, padB, padR, dH, dW, includePad: countIncludePad ? 1 : 0 };
}

/** Average pooling's backward for windows that do not overlap: each writes its taps; elements in no window are zeros. */
function avgPoolBackwardScatter(engine: Engine, dy: Tensor, g: PoolGeometry, attrs: AvgPoolAttrs, chunks: PlaneChunk[]): Tensor {
  const dx = coversInput(g) ? engine.empty([g.n, g.c, g.inH, g.inW]) : engine.zeros([g.n, g.c, g.inH, g.inW]);
  const segments = Math.ceil(g.outW / SEGMENT);
  const { overrides, blocks } = tapBlocks(g);
  const { dH, dW, ...window } = avgPoolUniforms(g, attrs.countIncludePad);
  for (const chunk of chunks) {
    for (const block of blocks) {
      engine.run('avg-pool-backward-scatter', {
        overrides,
        bindings: { dy: chunk.bind(dy, g.outH * g.outW), dx: chunk.bind(dx, g.inH * g.inW) },
        uniforms: { ...window, ...block, planes: chunk.count, pooledH: g.outH, pooledW: g.outW, segments },
        workgroups: groupsFor(chunk.count * g.outH * segments, WG),
      });
    }
  }
  return dx;
}

/** Average pooling's backward as a gather: each element sums the shares of the windows having a tap on it. */
function avgPoolBackwardGather(engine: Engine, dy: Tensor, g: PoolGeometry, attrs: AvgPoolAttrs, chunks: PlaneChunk[]): Tensor {
  const dx = engine.empty([g.n, g.c, g.inH, g.inW]);
  const segments = Math.ceil(g.inW / SEGMENT);
  const pairs = Math.ceil(g.inH / GATHER_ROWS);
  const { overrides, passes } = windowPasses(g, GATHER_ROWS);
  const dilated = g.dH > 1 || g.dW > 1;
  for (const chunk of chunks) {
    passes.forEach((pass, i) => {
      engine.run('avg-pool-backward', {
        overrides: { ...overrides, FIRST: i === 0 ? 1 : 0, DILATED: dilated ? 1 : 0 },
        bindings: { dy: chunk.bind(dy, g.outH * g.outW), dx: chunk.bind(dx, g.inH * g.inW) },
        uniforms: { ...avgPoolUniforms(g, attrs.countIncludePad), ...pass, planes: chunk.count, pooledH: g.outH, pooledW: g.outW, pairs, segments },
        workgroups: groupsFor(chunk.count * pairs * segments, WG),
      });
    });
  }
  return dx;
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
        const { inH, inW, outH, outW, kH, kW, sH, sW, padT, padL, dH, dW } = g;
        for (const chunk of chunks) {
          const bindings = { x: chunk.bind(x, inPlane), y: chunk.bind(y, outPlane), switches: chunk.bind(switches, outPlane) };
          const shape = { planes: chunk.count, inH, inW, outH, outW, segments, padT, padL, planeOffset: chunk.first };
          if (stripFits(g)) {
            const pairs = Math.ceil(outH / 2); // max-pool-strip.wgsl computes 2 output rows a thread
            for (const pass of stripMaxBlocks(g)) {
              engine.run('max-pool-strip', { overrides: pass.overrides, bindings, uniforms: { ...shape, ...pass.uniforms, pairs }, workgroups: groupsFor(chunk.count * pairs * segments, WG) });
            }
          } else {
            const { overrides, blocks } = tapBlocks(g);
            for (const block of blocks) {
              engine.run('max-pool', { overrides, bindings, uniforms: { ...shape, ...block, kH, kW, sH, sW, dH, dW, lowest: -Infinity }, workgroups: groupsFor(chunk.count * outH * segments, WG) });
            }
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
      return unpoolScatter(engine, 'maxUnpool2d', y, switches, g);
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
        const strip = stripFits(g);
        const { sW, dW, ...window } = avgPoolUniforms(g, attrs.countIncludePad);
        // avg-pool-strip.wgsl: whether some window has columns outside the input (CLIPPED).
        const clipped = g.padL > 0 || (g.outW - 1) * sW + g.kW > g.inW;
        for (const chunk of chunks) {
          blocks.forEach((block, i) => {
            const uniforms = { ...window, ...block, planes: chunk.count, outH: g.outH, outW: g.outW, segments };
            const bindings = { x: chunk.bind(x, inPlane), y: chunk.bind(y, outPlane) };
            const workgroups = groupsFor(chunk.count * g.outH * segments, WG);
            if (strip) {
              // The column stride is compiled in (SW); passes after the first add to y (ACCUMULATE).
              engine.run('avg-pool-strip', { overrides: { ...overrides, SW: sW, ACCUMULATE: i > 0 ? 1 : 0, CLIPPED: clipped ? 1 : 0 }, bindings, uniforms, workgroups });
            } else {
              engine.run('avg-pool', { overrides, bindings, uniforms: { ...uniforms, sW, dW }, workgroups });
            }
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
      const inPlane = g.inH * g.inW;
      const outPlane = g.outH * g.outW;
      const chunks = planeChunks(engine, op, g.n * g.c, [inPlane, outPlane]);
      return engine.scoped(op, () => {
        // A scatter-add into zeros, in phases of windows that do not overlap (see max-pool-backward.wgsl).
        const dx = engine.zeros(xShape);
        const phases = backwardPhases(g);
        const blockPlanes = Math.max(1, Math.floor(BACKWARD_BLOCK_BYTES / (inPlane * 4)));
        for (const chunk of chunks) {
          const bindings = { dy: chunk.bind(dy, outPlane), switches: chunk.bind(switches, outPlane), dx: chunk.bind(dx, inPlane) };
          for (let firstPlane = 0; firstPlane < chunk.count; firstPlane += blockPlanes) {
            const planes = Math.min(blockPlanes, chunk.count - firstPlane);
            phases.forEach(({ cols, ...phase }, i) => {
              const segments = Math.ceil(cols / SEGMENT);
              engine.run('max-pool-backward', {
                overrides: { FIRST: i === 0 ? 1 : 0 },
                bindings,
                uniforms: { ...phase, planes, firstPlane, pooledH: g.outH, pooledW: g.outW, planeSize: inPlane, segments, planeOffset: chunk.first },
                workgroups: groupsFor(planes * phase.rows * segments, WG),
              });
            });
          }
        }
        return dx;
      });
    },

    /** dx of avgPool2d: each window's dy / count spread over its taps. */
    avgPool2d(dy: Tensor, xShape: number[], attrs: AvgPoolAttrs): Tensor {
      const op = 'avgPool2d backward';
      checkTensor(op, 'dy', dy, 4);
      const g = poolGeometry(op, xShape, attrs);
      checkPooled(op, 'dy', dy, g, xShape);
      const chunks = planeChunks(engine, op, g.n * g.c, [g.inH * g.inW, g.outH * g.outW]);
      return engine.scoped(op, () => (scatterFits(g) ? avgPoolBackwardScatter : avgPoolBackwardGather)(engine, dy, g, attrs, chunks));
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
