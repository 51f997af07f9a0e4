// Static checks of a ModelSpec against its weights: every input exists and comes earlier, every
// weight has the shape its node needs, and every node's output shape (for one image) is known
// before any GPU work.

import type { ModelSpec, NodeSpec } from './spec.ts';

export type WeightShapes = Map<string, number[]>;

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function fail(node: NodeSpec, message: string): never {
  throw new Error(`model node '${node.name}' (${node.type}): ${message}`);
}

function pair(v: [number, number] | undefined, dflt: number): [number, number] {
  return v ?? [dflt, dflt];
}

/** Output size of a sliding window along one axis (ONNX Conv/Pool rule). */
export function windowOut(size: number, k: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceil: boolean): number {
  const span = (k - 1) * dilation + 1;
  const room = size + padBegin + padEnd - span;
  if (room < 0) return 0;
  let out = (ceil ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  // With ceil mode, the last window must start inside the input or the leading padding.
  if (ceil && (out - 1) * stride >= size + padBegin) out--;
  return out;
}

export function nodeOutputShape(node: NodeSpec, inputs: number[][], weights: WeightShapes): number[] {
  const a = node.attrs ?? {};
  const x = inputs[0];
  const needRank = (r: number) => {
    if (x.length !== r) fail(node, `expects a rank-${r} input, got ${fmt(x)}`);
  };
  const weight = (suffix: 'weight' | 'bias' | 'mean' | 'var', required: boolean) => {
    const s = weights.get(`${node.name}.${suffix}`);
    if (!s && required) fail(node, `missing weight tensor '${node.name}.${suffix}'`);
    return s;
  };
  switch (node.type) {
    case 'conv':
    case 'convtranspose': {
      needRank(4);
      const w = weight('weight', true)!;
      if (w.length !== 4) fail(node, `weight must be rank 4, got ${fmt(w)}`);
      const group = a.group ?? 1;
      const [sh, sw] = pair(a.strides, 1);
      const [dh, dw] = pair(a.dilations, 1);
      const [pt, pl, pb, pr] = a.pads ?? [0, 0, 0, 0];
      const [, c, h, wd] = x;
      let m: number, ho: number, wo: number;
      if (node.type === 'conv') {
        if (w[1] * group !== c) fail(node, `weight ${fmt(w)} with group ${group} expects ${w[1] * group} input channels, input has ${c}`);
        m = w[0];
        ho = windowOut(h, w[2], sh, pt, pb, dh, false);
        wo = windowOut(wd, w[3], sw, pl, pr, dw, false);
      } else {
        if (w[0] !== c) fail(node, `weight ${fmt(w)} expects ${w[0]} input channels, input has ${c}`);
        const [oph, opw] = pair(a.outputPadding, 0);
        m = w[1] * group;
        ho = sh * (h - 1) + oph + (w[2] - 1) * dh + 1 - pt - pb;
        wo = sw * (wd - 1) + opw + (w[3] - 1) * dw + 1 - pl - pr;
      }
      const b = weight('bias', false);
      if (b && (b.length !== 1 || b[0] !== m)) fail(node, `bias ${fmt(b)} must be [${m}]`);
      if (ho <= 0 || wo <= 0) fail(node, `output would be empty (input ${fmt(x)}, kernel ${fmt(w.slice(2))})`);
      return [x[0], m, ho, wo];
    }
    case 'maxpool':
    case 'avgpool': {
      needRank(4);
      if (!a.kernelShape) fail(node, 'needs attrs.kernelShape');
      const [kh, kw] = a.kernelShape;
      const [sh, sw] = pair(a.strides, 1);
      const [dh, dw] = pair(a.dilations, 1);
      const [pt, pl, pb, pr] = a.pads ?? [0, 0, 0, 0];
      const ho = windowOut(x[2], kh, sh, pt, pb, dh, !!a.ceilMode);
      const wo = windowOut(x[3], kw, sw, pl, pr, dw, !!a.ceilMode);
      if (ho <= 0 || wo <= 0) fail(node, `window ${kh}x${kw} does not fit input ${fmt(x)}`);
      return [x[0], x[1], ho, wo];
    }
    case 'globalavgpool':
    case 'globalmaxpool':
      needRank(4);
      return [x[0], x[1], 1, 1];
    case 'pad': {
      needRank(4);
      const [pt, pl, pb, pr] = a.pads ?? [0, 0, 0, 0];
      return [x[0], x[1], x[2] + pt + pb, x[3] + pl + pr];
    }
    case 'concat': {
      const axis = a.axis ?? 1;
      const rank = x.length;
      const ax = axis < 0 ? axis + rank : axis;
      let total = 0;
      for (const s of inputs) {
        if (s.length !== rank || s.some((d, i) => i !== ax && d !== x[i])) fail(node, `inputs ${inputs.map(fmt).join(', ')} do not agree outside axis ${axis}`);
        total += s[ax];
      }
      const out = [...x];
      out[ax] = total;
      return out;
    }
    case 'add':
      for (const s of inputs) if (fmt(s) !== fmt(x)) fail(node, `inputs ${inputs.map(fmt).join(', ')} must have the same shape`);
      return [...x];
    case 'flatten':
      return [x[0], x.slice(1).reduce((p, d) => p * d, 1)];
    case 'reshape': {
      const target = a.shape ?? fail(node, 'needs attrs.shape');
      const total = x.slice(1).reduce((p, d) => p * d, 1);
      const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      const out = target.map((d) => (d === -1 ? total / known : d));
      if (out.reduce((p, d) => p * d, 1) !== total || out.some((d) => !Number.isInteger(d))) fail(node, `cannot reshape ${fmt(x)} to [N, ${target.join(', ')}]`);
      return [x[0], ...out];
    }
    case 'linear': {
      const w = weight('weight', true)!;
      if (x.length !== 2) fail(node, `expects [N, features] input (add a flatten node), got ${fmt(x)}`);
      if (w.length !== 2 || w[1] !== x[1]) fail(node, `weight ${fmt(w)} must be [out, ${x[1]}]`);
      const b = weight('bias', false);
      if (b && (b.length !== 1 || b[0] !== w[0])) fail(node, `bias ${fmt(b)} must be [${w[0]}]`);
      return [x[0], w[0]];
    }
    case 'batchnorm': {
      if (x.length !== 2 && x.length !== 4) fail(node, `expects [N, C] or [N, C, H, W], got ${fmt(x)}`);
      for (const suffix of ['weight', 'bias', 'mean', 'var'] as const) {
        const s = weight(suffix, true)!;
        if (s.length !== 1 || s[0] !== x[1]) fail(node, `${node.name}.${suffix} ${fmt(s)} must be [${x[1]}] (one value per channel)`);
      }
      if (a.epsilon !== undefined && !(a.epsilon > 0)) fail(node, `epsilon must be > 0, got ${a.epsilon}`);
      if (a.momentum !== undefined && !(a.momentum > 0 && a.momentum <= 1)) fail(node, `momentum must be in (0, 1], got ${a.momentum}`);
      return [...x];
    }
    case 'lrn':
      needRank(4);
      if (!a.size || a.size < 1) fail(node, 'needs attrs.size >= 1');
      return [...x];
    case 'relu':
    case 'leakyrelu':
    case 'clip':
    case 'dropout':
    case 'identity':
    case 'softmax':
      return [...x];
    default:
      fail(node, `unknown node type '${(node as NodeSpec).type}'`);
  }
}

/** Checks the graph and returns every node's output shape for a batch of one. */
export function inferShapes(spec: ModelSpec, weights: WeightShapes): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const [c, h, w] = spec.input.shape;
  shapes.set(spec.input.name, [1, c, h, w]);
  for (const node of spec.nodes) {
    if (shapes.has(node.name)) fail(node, 'a node or the input already has this name');
    if (!node.inputs?.length) fail(node, 'has no inputs');
    const inputs = node.inputs.map((name) => shapes.get(name) ?? fail(node, `input '${name}' is not the model input or an earlier node`));
    shapes.set(node.name, nodeOutputShape(node, inputs, weights));
  }
  if (!shapes.has(spec.output)) throw new Error(`model output '${spec.output}' is not a node of the model`);
  const used = new Set(spec.nodes.flatMap((n) => (n.type === 'batchnorm' ? ['weight', 'bias', 'mean', 'var'] : ['weight', 'bias']).map((s) => `${n.name}.${s}`)));
  const extra = [...weights.keys()].filter((k) => !used.has(k));
  if (extra.length) throw new Error(`weights file has tensors that no node uses: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}`);
  return shapes;
}
