// One forward pass, many backward seeds. The graph's backward (src/models/backward.ts) reads the
// trace at the seeds' batch size; to project B activations of one image without B forward
// passes, `broadcastTrace` presents a traced batch of one as a batch of B identical images,
// building each batch-B activation only when the backward asks for it and only as far as it needs:
//   - values, as B copies of the one image's activation (buffer copies, no arithmetic), where
//     the backward reads them: the forward mask of ReLU in 'gradient' and 'guided' modes, LRN,
//     batch norm, softmax, the other activations with a backward that depends on x;
//   - switches of a max-pool: the pool run again on the copied input (a cheap memory-bound pass;
//     the flat indices then point into the right copy);
//   - a tensor of the right shape and no content where only the shape is read (a convolution's
//     input, the pools' and concat's inputs, and ReLU's input in 'deconvnet' mode, which ignores
//     the forward pass altogether: Zeiler & Fergus's rectification of the backward signal).
// With backward's consumeTrace each of them is freed once its last reader is done, so the memory
// of a batch of B seeds is that of the backward, not of B forward passes. The convolutions, which
// are most of a forward pass's time, run once whatever B is.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { ReluMode } from '../../ops/elementwise.ts';
import { Trace, type Model } from '../../models/model.ts';
import type { NodeSpec } from '../../models/spec.ts';

/** Node types whose backward reads the values of their inputs (given the ReLU mode). */
function readsInputValues(node: NodeSpec, relu: ReluMode): boolean {
  switch (node.type) {
    case 'relu':
      return relu !== 'deconvnet';
    case 'leakyrelu':
    case 'clip':
    case 'lrn':
    case 'batchnorm':
    case 'softmax':
    case 'maxpool': // to run the pool again for the switches
    case 'globalmaxpool':
      return true;
    default:
      return false;
  }
}

/** A Map that makes an entry the first time it is asked for. */
class LazyMap extends Map<string, Tensor> {
  constructor(
    private readonly known: (name: string) => boolean,
    private readonly make: (name: string) => Tensor,
  ) {
    super();
  }

  override get(name: string): Tensor | undefined {
    let t = super.get(name);
    if (!t && this.known(name)) {
      t = this.make(name);
      super.set(name, t);
    }
    return t;
  }

  override has(name: string): boolean {
    return super.has(name) || this.known(name);
  }
}

function copies(engine: Engine, t: Tensor, batch: number): Tensor {
  return batch === 1 ? t.reshape(t.shape) : engine.ops.concat(Array.from({ length: batch }, () => t), 0);
}

/**
 * `trace` (of one image) seen as a batch of `batch` copies, for one backward pass with
 * `consumeTrace: true` in ReLU mode `relu`. The caller disposes it (and its `input`) afterwards;
 * `trace` itself is left untouched and can be broadcast again.
 */
export function broadcastTrace(model: Model, trace: Trace, batch: number, relu: ReluMode): Trace {
  const { engine } = model;
  if (trace.input.shape[0] !== 1) throw new Error(`broadcastTrace: the trace must be of one image, it has ${trace.input.shape[0]}`);
  const inputName = model.spec.input.name;
  const valueNeeded = new Set<string>();
  for (const node of trace.nodes) {
    if (readsInputValues(node, relu)) for (const i of node.inputs) valueNeeded.add(i);
    if (node.type === 'softmax') valueNeeded.add(node.name); // its backward reads its own output
  }
  const expand = (base: Tensor, name: string) => {
    if (valueNeeded.has(name)) return copies(engine, base, batch);
    return engine.empty([batch, ...base.shape.slice(1)]);
  };
  const outputs = new LazyMap(
    (name) => trace.outputs.has(name),
    (name) => expand(trace.outputs.get(name)!, name),
  );
  const nodes = new Map(trace.nodes.map((n) => [n.name, n]));
  const switches = new LazyMap(
    (name) => trace.switches.has(name),
    (name) => {
      const node = nodes.get(name)!;
      const input = node.inputs[0] === inputName ? expandedInput : outputs.get(node.inputs[0])!;
      const attrs = node.type === 'maxpool' ? node.attrs ?? {} : { kernelShape: [input.shape[2], input.shape[3]] };
      const { y, switches: s } = engine.ops.maxPool2d(input, attrs as Parameters<typeof engine.ops.maxPool2d>[1]);
      y.dispose();
      return s;
    },
  );
  const expandedInput = expand(trace.input, inputName);
  return new Trace(expandedInput, outputs, switches, trace.nodes);
}
