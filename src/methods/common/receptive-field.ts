// Receptive fields: the input pixels that can influence one unit position of a layer, computed
// from the graph itself. A region (rows and columns, inclusive) of a node's output is mapped to
// the region of each of its inputs that feeds it, node by node from the layer down to the image;
// where branches meet again (SqueezeNet's fire modules: a 1x1 and a 3x3 expand side by side) the
// regions are joined, so the result is the hull over every path. For a sliding window (conv,
// pooling) with kernel k, stride s, leading pad p and dilation d, output rows [a, b] read input
// rows [a*s - p, b*s - p + (k-1)*d]. Regions are not clipped on the way down: a field that leaves
// the image (padding) says so, and `clipped` gives the part inside it. Layers without a spatial
// map (linear, global pooling, flatten) see the whole of their input.
//
// `fieldGeometry` also gives the classic summary (Araujo et al. 2019, "Computing receptive fields
// of convolutional neural networks"): the field's size, the stride between neighbouring units'
// fields (the "jump") and where unit 0's field starts.

import type { ModelSpec, NodeSpec } from '../../models/spec.ts';

/** What the computation reads from a model: its graph, layer shapes and weight shapes (Model has them). */
export interface GraphShapes {
  spec: ModelSpec;
  layerShape(layer: string): number[];
  weights: ReadonlyMap<string, { shape: number[] }>;
}

/** Inclusive pixel ranges in the input; may extend outside the image (see `clipped`). */
export interface Region {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface ReceptiveField extends Region {
  /** The same region clipped to the image (what a patch shows without padding). */
  clipped: Region;
  height: number;
  width: number;
}

const join = (a: Region | undefined, b: Region): Region =>
  a ? { top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom), left: Math.min(a.left, b.left), right: Math.max(a.right, b.right) } : b;

/** Rows [a, b] of a sliding window's output -> the input rows they read. */
function windowRange(a: number, b: number, k: number, s: number, p: number, d: number): [number, number] {
  return [a * s - p, b * s - p + (k - 1) * d];
}

/** Output rows [a, b] of a transposed convolution -> the input rows that reach them. */
function transposedRange(a: number, b: number, k: number, s: number, p: number, d: number): [number, number] {
  return [Math.ceil((a + p - (k - 1) * d) / s), Math.floor((b + p) / s)];
}

function wholeMap(shape: number[]): Region {
  return { top: 0, bottom: shape[2] - 1, left: 0, right: shape[3] - 1 };
}

/** The region of input `k` of `node` that feeds `out` of the node's output. */
function inputRegion(graph: GraphShapes, node: NodeSpec, out: Region, inShape: number[]): Region {
  const a = node.attrs ?? {};
  const spatialIn = inShape.length === 4;
  switch (node.type) {
    case 'conv':
    case 'convtranspose':
    case 'maxpool':
    case 'avgpool': {
      let kernel = a.kernelShape;
      if (node.type === 'conv' || node.type === 'convtranspose') {
        const w = graph.weights.get(`${node.name}.weight`)!.shape;
        kernel = [w[2], w[3]];
      }
      const [kh, kw] = kernel!;
      const [sh, sw] = a.strides ?? [1, 1];
      const [dh, dw] = a.dilations ?? [1, 1];
      const [pt, pl] = a.pads ?? [0, 0, 0, 0];
      const range = node.type === 'convtranspose' ? transposedRange : windowRange;
      const [top, bottom] = range(out.top, out.bottom, kh, sh, pt, dh);
      const [left, right] = range(out.left, out.right, kw, sw, pl, dw);
      return { top, bottom, left, right };
    }
    case 'pad': {
      const [pt, pl] = a.pads ?? [0, 0, 0, 0];
      return { top: out.top - pt, bottom: out.bottom - pt, left: out.left - pl, right: out.right - pl };
    }
    case 'globalavgpool':
    case 'globalmaxpool':
    case 'flatten':
    case 'reshape':
    case 'linear':
    case 'softmax':
      return spatialIn ? wholeMap(inShape) : out;
    default:
      // Elementwise or across channels only (relu, lrn, batchnorm, concat, add, dropout...).
      return out;
  }
}

/**
 * The receptive field of `layer` at `position` ([row, col] of its map), or of its whole map
 * without one (and always for a layer without a spatial map), in input pixels.
 */
export function receptiveField(graph: GraphShapes, layer: string, position?: [number, number]): ReceptiveField {
  const shape = graph.layerShape(layer); // throws listing the layers
  let start: Region;
  if (position) {
    if (shape.length !== 4) throw new Error(`layer '${layer}' has no spatial map (shape [${shape.join(', ')}]); omit position`);
    const [r, c] = position;
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0 || r >= shape[2] || c >= shape[3]) {
      throw new Error(`position [${r}, ${c}] is outside layer '${layer}' map of ${shape[2]}x${shape[3]}`);
    }
    start = { top: r, bottom: r, left: c, right: c };
  } else {
    start = shape.length === 4 ? wholeMap(shape) : { top: 0, bottom: 0, left: 0, right: 0 };
  }
  const { spec } = graph;
  const inputName = spec.input.name;
  const inputShape = [1, ...spec.input.shape];
  const shapeOf = (name: string) => (name === inputName ? inputShape : graph.layerShape(name));
  const regions = new Map<string, Region>([[layer, start]]);
  const last = spec.nodes.findIndex((n) => n.name === layer);
  for (let i = last; i >= 0; i--) {
    const node = spec.nodes[i];
    const out = regions.get(node.name);
    if (!out) continue;
    for (const input of node.inputs) regions.set(input, join(regions.get(input), inputRegion(graph, node, out, shapeOf(input))));
  }
  const field = regions.get(inputName) ?? wholeMap(inputShape);
  const [, , height, width] = inputShape;
  const clipped = {
    top: Math.max(0, field.top),
    bottom: Math.min(height - 1, field.bottom),
    left: Math.max(0, field.left),
    right: Math.min(width - 1, field.right),
  };
  return { ...field, clipped, height: field.bottom - field.top + 1, width: field.right - field.left + 1 };
}

export interface FieldGeometry {
  /** Field size of one position [rows, cols] (the whole input for a layer without a map). */
  size: [number, number];
  /** Input pixels between the fields of neighbouring positions [rows, cols]. */
  jump: [number, number];
  /** Input coordinates where position [0, 0]'s field starts (negative: it starts in the padding). */
  start: [number, number];
}

/** Size, jump and start of a layer's receptive fields (from the fields of positions [0,0], [1,1]). */
export function fieldGeometry(graph: GraphShapes, layer: string): FieldGeometry {
  const shape = graph.layerShape(layer);
  if (shape.length !== 4) {
    const f = receptiveField(graph, layer);
    return { size: [f.height, f.width], jump: [0, 0], start: [f.top, f.left] };
  }
  const f0 = receptiveField(graph, layer, [0, 0]);
  const f1 = receptiveField(graph, layer, [Math.min(1, shape[2] - 1), Math.min(1, shape[3] - 1)]);
  return {
    size: [f0.height, f0.width],
    jump: [shape[2] > 1 ? f1.top - f0.top : 0, shape[3] > 1 ? f1.left - f0.left : 0],
    start: [f0.top, f0.left],
  };
}
