// Receptive fields computed from the graph against values worked out by hand: an AlexNet-like
// graph (Krizhevsky et al. 2012 geometry, few channels) and SqueezeNet 1.1 from ../shared. No GPU:
// the computation only reads the graph and the shapes.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fieldGeometry, receptiveField, type GraphShapes } from '../src/methods/common/receptive-field.ts';
import { inferShapes } from '../src/models/shapes.ts';
import { onnxToSpec } from '../src/models/onnx/index.ts';
import type { ModelSpec, NodeSpec } from '../src/models/spec.ts';

function graphOf(spec: ModelSpec, weightShapes: Map<string, number[]>): GraphShapes {
  const shapes = inferShapes(spec, weightShapes);
  return {
    spec,
    weights: new Map([...weightShapes].map(([k, shape]) => [k, { shape }])),
    layerShape: (layer) => {
      const s = shapes.get(layer);
      if (!s) throw new Error(`no layer '${layer}'`);
      return s;
    },
  };
}

/** AlexNet's geometry (227x227 input, 2 channels a layer, no groups: they do not change fields). */
function alexNetLike(): GraphShapes {
  const nodes: NodeSpec[] = [];
  const weights = new Map<string, number[]>();
  let last = 'data';
  let channels = 3;
  const conv = (name: string, k: number, s: number, p: number) => {
    nodes.push({ name, type: 'conv', inputs: [last], attrs: { strides: [s, s], pads: [p, p, p, p] } });
    weights.set(`${name}.weight`, [2, channels, k, k]);
    channels = 2;
    nodes.push({ name: `${name}_relu`, type: 'relu', inputs: [name] });
    last = `${name}_relu`;
  };
  const pool = (name: string) => {
    nodes.push({ name, type: 'maxpool', inputs: [last], attrs: { kernelShape: [3, 3], strides: [2, 2] } });
    last = name;
  };
  conv('conv1', 11, 4, 0);
  nodes.push({ name: 'norm1', type: 'lrn', inputs: [last], attrs: { size: 5 } });
  last = 'norm1';
  pool('pool1');
  conv('conv2', 5, 1, 2);
  pool('pool2');
  conv('conv3', 3, 1, 1);
  conv('conv4', 3, 1, 1);
  conv('conv5', 3, 1, 1);
  pool('pool5');
  nodes.push({ name: 'flatten', type: 'flatten', inputs: [last] });
  nodes.push({ name: 'fc6', type: 'linear', inputs: ['flatten'] });
  weights.set('fc6.weight', [4, 2 * 6 * 6]);
  const spec: ModelSpec = {
    name: 'alexnet-like',
    input: { name: 'data', shape: [3, 227, 227], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
    nodes,
    output: 'fc6',
  };
  return graphOf(spec, weights);
}

describe('receptive fields, AlexNet-like', () => {
  const g = alexNetLike();

  it('sizes and jumps per layer match the hand-worked values', () => {
    // size_l = size_{l-1} + (k - 1) * jump_{l-1}; jump_l = jump_{l-1} * stride
    const expected: Record<string, { size: number; jump: number; start: number }> = {
      conv1: { size: 11, jump: 4, start: 0 },
      norm1: { size: 11, jump: 4, start: 0 },
      pool1: { size: 19, jump: 8, start: 0 },
      conv2: { size: 51, jump: 8, start: -16 },
      pool2: { size: 67, jump: 16, start: -16 },
      conv3: { size: 99, jump: 16, start: -32 },
      conv4: { size: 131, jump: 16, start: -48 },
      conv5_relu: { size: 163, jump: 16, start: -64 },
      pool5: { size: 195, jump: 32, start: -64 },
    };
    for (const [layer, e] of Object.entries(expected)) {
      const f = fieldGeometry(g, layer);
      expect({ layer, size: f.size, jump: f.jump, start: f.start }).toEqual({ layer, size: [e.size, e.size], jump: [e.jump, e.jump], start: [e.start, e.start] });
    }
  });

  it('one position, worked through the graph by hand', () => {
    // conv2 row 5 reads pool1 rows 3..7, which read conv1 rows 6..16, which read input rows 24..74;
    // column 0 reads pool1 -2..2 -> conv1 -4..6 -> input -16..34 (16 columns of padding).
    const f = receptiveField(g, 'conv2', [5, 0]);
    expect([f.top, f.bottom, f.left, f.right]).toEqual([24, 74, -16, 34]);
    expect(f.clipped).toEqual({ top: 24, bottom: 74, left: 0, right: 34 });
    // pool5 [5, 5] (the last position of its 6x6 map): 5 * 32 - 64 = 96 .. 96 + 194 = 290, clipped at 226.
    const last = receptiveField(g, 'pool5', [5, 5]);
    expect([last.top, last.bottom, last.clipped.bottom]).toEqual([96, 290, 226]);
  });

  it('a linear layer sees the whole image; bad positions and layers are clear errors', () => {
    // pool5's whole 6x6 map, padding included (-64 .. 5 * 32 - 64 + 194), clipped to the image.
    const f = receptiveField(g, 'fc6');
    expect([f.top, f.bottom, f.left, f.right]).toEqual([-64, 290, -64, 290]);
    expect(f.clipped).toEqual({ top: 0, bottom: 226, left: 0, right: 226 });
    expect(() => receptiveField(g, 'fc6', [0, 0])).toThrow(/no spatial map/);
    expect(() => receptiveField(g, 'conv2', [27, 0])).toThrow(/outside layer 'conv2' map of 27x27/);
    expect(() => receptiveField(g, 'conv9')).toThrow(/conv9/);
  });
});

describe('receptive fields, SqueezeNet 1.1 (branches joined at the fire modules)', () => {
  const { spec, weights } = onnxToSpec(readFileSync('../shared/models/squeezenet1.1/squeezenet1.1.onnx'));
  const g = graphOf(spec, new Map([...weights].map(([k, t]) => [k, t.shape])));

  it('sizes and jumps: conv0 3x3/2, pools 3x3/2, each fire adds its 3x3 expand', () => {
    const expected: Record<string, [number, number]> = {
      conv0: [3, 2],
      pool0: [7, 4],
      conv1: [7, 4], // fire1 squeeze (1x1)
      conv2: [7, 4], // fire1 expand 1x1: the narrow branch
      fire1: [15, 4], // concat: the hull with the 3x3 expand
      fire2: [23, 4],
      pool1: [31, 8],
      fire3: [47, 8],
      fire4: [63, 8],
      pool2: [79, 16],
      fire5: [111, 16],
      fire6: [143, 16],
      conv20: [143, 16], // fire7's 1x1 expand only sees fire6's field
      fire7: [175, 16],
      fire8: [207, 16],
      conv25: [207, 16],
    };
    for (const [layer, [size, jump]] of Object.entries(expected)) {
      const f = fieldGeometry(g, layer);
      expect({ layer, size: f.size[0], jump: f.jump[0] }).toEqual({ layer, size, jump });
    }
  });

  it('fire7 at [6, 6]: starts 72 pixels before 6 * 16 (the 3x3 expands pad 1 at jumps 4, 4, 8, 8, 16, 16, 16)', () => {
    const f = receptiveField(g, 'fire7', [6, 6]);
    expect([f.top, f.bottom, f.left, f.right]).toEqual([24, 198, 24, 198]);
    const corner = receptiveField(g, 'fire7', [0, 0]);
    expect([corner.top, corner.clipped.top, corner.clipped.bottom]).toEqual([-72, 0, 102]);
    // Global pooling sees conv25's whole 13x13 map: -88 .. 12 * 16 - 88 + 206.
    const whole = receptiveField(g, 'gap');
    expect([whole.top, whole.bottom, whole.clipped.top, whole.clipped.bottom]).toEqual([-88, 310, 0, 223]);
  });
});
