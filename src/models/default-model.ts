// The default model shipped in weights/: a small VGG-style CNN ("conceptnet") trained by this
// engine (npm run train) on the procedural concept dataset (src/data/concepts) to name the shape
// of the largest object. Its units are what the visualization methods look at out of the box.

import type { Engine } from '../engine/engine.ts';
import { SHAPES } from '../data/concepts/vocabulary.ts';
import { loadModel, type Model } from './model.ts';
import type { ModelSpec, NodeSpec } from './spec.ts';

export const DEFAULT_MODEL_NAME = 'conceptnet';
export const DEFAULT_IMAGE_SIZE = 64;
/**
 * The layers, VGG-like in miniature: a strided 5x5 first conv, then 3x3 convs; pooling after
 * conv1, conv2 and conv4. Feature maps: conv1 32x32, conv2 16x16, conv3 and conv4 8x8 (for a 64x64
 * input). Kept narrow so that training on a 2-core CPU takes minutes.
 */
const CONVS = [
  { name: 'conv1', width: 16, kernel: 5, stride: 2, pool: true },
  { name: 'conv2', width: 32, kernel: 3, stride: 1, pool: true },
  { name: 'conv3', width: 64, kernel: 3, stride: 1, pool: false },
  { name: 'conv4', width: 64, kernel: 3, stride: 1, pool: true },
];
const HIDDEN = 128;

/**
 * The network. `training`: with a batch-norm node after every conv and after fc5 (bn1..bn5),
 * which is how `npm run train` trains it: normalized layers learn several times faster and keep
 * their units alive. Before saving, the trainer folds them into the layers before them
 * (src/models/fold.ts), so the shipped model is the plain graph, conv-relu-pool.
 */
export function conceptNetSpec(size = DEFAULT_IMAGE_SIZE, options: { training?: boolean } = {}): ModelSpec {
  const nodes: NodeSpec[] = [];
  let last = 'image';
  const add = (node: NodeSpec) => {
    nodes.push(node);
    last = node.name;
  };
  const normalize = (k: number) => {
    if (options.training) add({ name: `bn${k}`, type: 'batchnorm', inputs: [last], attrs: { epsilon: 1e-5, momentum: 0.1 } });
  };
  CONVS.forEach((c, i) => {
    const k = i + 1;
    const pad = (c.kernel - 1) / 2;
    add({ name: c.name, type: 'conv', inputs: [last], attrs: { kernelShape: [c.kernel, c.kernel], strides: [c.stride, c.stride], pads: [pad, pad, pad, pad] } });
    normalize(k);
    add({ name: `relu${k}`, type: 'relu', inputs: [last] });
    if (c.pool) add({ name: `pool${k}`, type: 'maxpool', inputs: [last], attrs: { kernelShape: [2, 2], strides: [2, 2] } });
  });
  add({ name: 'flatten', type: 'flatten', inputs: [last] });
  add({ name: 'fc5', type: 'linear', inputs: [last] });
  normalize(CONVS.length + 1);
  add({ name: 'relu5', type: 'relu', inputs: [last] });
  add({ name: 'fc6', type: 'linear', inputs: [last] });
  return {
    name: DEFAULT_MODEL_NAME,
    description: 'A small VGG-like CNN trained by convsight on its procedural concept dataset: names the shape of the largest object.',
    input: {
      name: 'image',
      shape: [3, size, size],
      preprocessing: { channelOrder: 'RGB', range: 1, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    },
    nodes,
    output: 'fc6',
    labels: [...SHAPES],
  };
}

/** Weight shapes for the spec: conv OIHW, linear [out, in], and the [C] vectors of batch-norm nodes. */
export function conceptNetWeightShapes(spec: ModelSpec): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  let channels = spec.input.shape[0];
  let spatial = spec.input.shape[1];
  const batchNorm = (name: string, c: number) => {
    if (!spec.nodes.some((n) => n.name === name)) return;
    for (const suffix of ['weight', 'bias', 'mean', 'var']) shapes.set(`${name}.${suffix}`, [c]);
  };
  CONVS.forEach((c, i) => {
    shapes.set(`${c.name}.weight`, [c.width, channels, c.kernel, c.kernel]);
    shapes.set(`${c.name}.bias`, [c.width]);
    batchNorm(`bn${i + 1}`, c.width);
    channels = c.width;
    spatial = spatial / c.stride / (c.pool ? 2 : 1);
  });
  shapes.set('fc5.weight', [HIDDEN, channels * spatial * spatial]);
  shapes.set('fc5.bias', [HIDDEN]);
  batchNorm(`bn${CONVS.length + 1}`, HIDDEN);
  shapes.set('fc6.weight', [spec.labels!.length, HIDDEN]);
  shapes.set('fc6.bias', [spec.labels!.length]);
  return shapes;
}

const SPEC_URL = new URL('../../weights/conceptnet.json', import.meta.url);
const WEIGHTS_URL = new URL('../../weights/conceptnet.safetensors', import.meta.url);

/**
 * A file shipped in weights/: read from disk in Node, fetched from the page's own origin in a
 * browser (Vite bundles what `new URL('...', import.meta.url)` names). `what` and `remedy` word the
 * error when it is missing.
 */
export async function readShipped(url: URL, what = 'The default model', remedy = 'run `npm run train` to make it'): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    if (!fs.existsSync(url)) throw new Error(`${what} is missing: ${url.pathname} (${remedy})`);
    return new Uint8Array(fs.readFileSync(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not fetch ${what.toLowerCase()} from ${url} (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The model shipped in weights/ (trained by `npm run train`). */
export async function loadDefaultModel(engine: Engine): Promise<Model> {
  const spec = JSON.parse(new TextDecoder().decode(await readShipped(SPEC_URL))) as ModelSpec;
  return loadModel(engine, spec, await readShipped(WEIGHTS_URL));
}
