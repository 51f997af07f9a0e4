// The bench's rows: the conv and pool layers of AlexNet, VGG16 and SqueezeNet 1.1, the other
// kernels at those networks' shapes, and whole networks. Goals are GitHub issue 6's.
//
// A default run must stay under ~20 minutes on SwiftShader, where TF.js's convolutions run at
// 0.03-0.2 GFLOP/s and some of its backward kernels take 30-130 s a call: batch 8 only for the
// cheaper layers (AlexNet conv1, the SqueezeNet layers, the memory-bound and dense rows). Only
// with --full: VGG16 conv1_2 and conv4_2, conv4_1's backward, AlexNet conv2/conv3 at batch 8, LRN
// backward (TF.js's LRNGrad: ~1-2 minutes a call at lrn1's shape) and gemm backward at batch 8. --quick shrinks every kernel row (spatial
// size / 4, channels / 8, batch 1) for smoke runs; networks keep their shapes.

import type { Row } from '../harness.ts';
import { COPY_PROBE } from '../harness.ts';
import { copyInto } from '../copy.ts';
import { convRows, type ConvLayer } from './conv.ts';
import { avgPoolRows, maxPoolRows, reluRows, type PoolLayer } from './pool.ts';
import { gemmRows, lrnRows, softmaxRows } from './dense.ts';
import { defaultModel, networkRows, squeezeNet } from './networks.ts';
import { deconvnetRows } from './method-deconvnet.ts';
import { dissectionRows } from './method-dissection.ts';
import { amRows } from './method-am.ts';
import { rotateRows } from './rotate.ts';
import { inversionRows } from './method-inversion.ts';

/** Conv forward on VGG/AlexNet shapes: at least 10x TF.js. */
const CONV_FORWARD_GOAL = 10;
/** SqueezeNet 1.1 forward: at least 5x TF.js running the same operations. */
const NETWORK_FORWARD_GOAL = 5;

export function copyProbeRow(megabytes: number): Row {
  const size = (megabytes * 2 ** 20) / 4;
  return {
    group: COPY_PROBE.group,
    name: COPY_PROBE.name,
    shape: `${megabytes} MiB`,
    kind: 'memory',
    bytes: 2 * size * 4,
    prepare: ({ engine }) => {
      const src = engine.zeros([size]);
      const dst = engine.zeros([size]);
      return {
        ours: () => copyInto(engine, src, dst),
        dispose: () => {
          src.dispose();
          dst.dispose();
        },
      };
    },
  };
}

/** The driver's own buffer copy (copyBufferToBuffer), for comparison with the copy kernel. */
export function bufferCopyRow(megabytes: number): Row {
  const size = (megabytes * 2 ** 20) / 4;
  return {
    group: COPY_PROBE.group,
    name: 'copyBufferToBuffer',
    shape: `${megabytes} MiB`,
    kind: 'memory',
    bytes: 2 * size * 4,
    prepare: ({ engine }) => {
      const src = engine.zeros([size]);
      const dst = engine.zeros([size]);
      return {
        ours: () => engine.commandEncoder().copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, size * 4),
        note: 'not a kernel: the 100% of the memory rows is the copy kernel',
        dispose: () => {
          src.dispose();
          dst.dispose();
        },
      };
    },
  };
}

interface Scale {
  quick: boolean;
}

function shrinkChannels(c: number, groups: number): number {
  if (c <= 3) return c;
  return Math.max(groups * 4, Math.ceil(c / 8 / groups) * groups);
}

function conv(layer: ConvLayer, { quick }: Scale): Row[] {
  if (!quick) return convRows(layer);
  const g = layer.groups ?? 1;
  const h = Math.max(layer.k, Math.ceil(layer.h / 4));
  const w = Math.max(layer.k, Math.ceil(layer.w / 4));
  return convRows({ ...layer, n: 1, h, w, c: shrinkChannels(layer.c, g), m: shrinkChannels(layer.m, g) });
}

function shrink(shape: number[], { quick }: Scale, minSpatial = 4): number[] {
  if (!quick) return shape;
  const [, c, h, w] = shape;
  return [1, shrinkChannels(c, 1), Math.max(minSpatial, Math.ceil(h / 4)), Math.max(minSpatial, Math.ceil(w / 4))];
}

function pool(layer: PoolLayer, rows: (l: PoolLayer) => Row[], scale: Scale): Row[] {
  return rows({ ...layer, shape: shrink(layer.shape, scale, layer.k + layer.stride) });
}

export interface RowSet {
  /** Small shapes for smoke runs (spatial size / 4, channels / 8, batch 1, no batch-8 rows). */
  quick?: boolean;
  /** Also the rows that make a run on a CPU adapter too long (TF.js takes 10-50 s a call on them). */
  full?: boolean;
}

/** Every row, in the order they run. */
export function benchRows({ quick = false, full = false }: RowSet = {}): Row[] {
  const s: Scale = { quick };
  const b8 = !quick; // batch-8 rows are left out of quick runs
  const heavy = full && !quick;
  const alexConv1: ConvLayer = { group: 'AlexNet conv1', n: 1, c: 3, h: 227, w: 227, m: 96, k: 11, stride: 4, pad: 0, forwardGoal: CONV_FORWARD_GOAL };
  const alexConv2: ConvLayer = { group: 'AlexNet conv2', n: 1, c: 96, h: 27, w: 27, m: 256, k: 5, stride: 1, pad: 2, groups: 2, forwardGoal: CONV_FORWARD_GOAL };
  const alexConv3: ConvLayer = { group: 'AlexNet conv3', n: 1, c: 256, h: 13, w: 13, m: 384, k: 3, stride: 1, pad: 1, forwardGoal: CONV_FORWARD_GOAL };
  const vgg = (name: string, c: number, size: number, m: number): ConvLayer => ({ group: `VGG16 ${name}`, n: 1, c, h: size, w: size, m, k: 3, stride: 1, pad: 1, forwardGoal: CONV_FORWARD_GOAL });
  const sqConv1: ConvLayer = { group: 'SqueezeNet conv1', n: 1, c: 3, h: 224, w: 224, m: 64, k: 3, stride: 2, pad: 0 };
  const squeeze: ConvLayer = { group: 'SqueezeNet fire2 squeeze', n: 1, c: 64, h: 55, w: 55, m: 16, k: 1, stride: 1, pad: 0 };
  const expand: ConvLayer = { group: 'SqueezeNet fire2 expand3x3', n: 1, c: 16, h: 55, w: 55, m: 64, k: 3, stride: 1, pad: 1 };
  const batch8 = (l: ConvLayer, when = b8): ConvLayer[] => (when ? [{ ...l, n: 8, backward: false }] : []);
  const batches = b8 ? [1, 8] : [1];

  const rows: Row[] = [copyProbeRow(quick ? 4 : 32), bufferCopyRow(quick ? 4 : 32)];

  // AlexNet
  for (const l of [{ ...alexConv1, backward: true }, ...batch8(alexConv1), { ...alexConv2, backward: true }, ...batch8(alexConv2, heavy), { ...alexConv3, backward: true }, ...batch8(alexConv3, heavy)]) {
    rows.push(...conv(l, s));
  }
  for (const n of batches) {
    rows.push(...reluRows('AlexNet relu1', shrink([n, 96, 55, 55], s)));
    rows.push(...pool({ group: 'AlexNet pool1', shape: [n, 96, 55, 55], k: 3, stride: 2 }, maxPoolRows, s));
    rows.push(...lrnRows('AlexNet lrn1', shrink([n, 96, 55, 55], s), { backward: heavy || quick }));
  }
  for (const n of batches) {
    rows.push(...gemmRows('AlexNet fc6', n, quick ? 1152 : 9216, quick ? 512 : 4096, { backward: n === 1 || heavy }));
    rows.push(...softmaxRows('AlexNet softmax', n, 1000));
  }

  // VGG16 at batch 1: conv1_2 and conv4_2 are 3.7 GFLOP each (TF.js: ~25 s a call on SwiftShader).
  const vggLayers = [
    ...(heavy ? [vgg('conv1_2', 64, 224, 64)] : []),
    { ...vgg('conv3_1', 128, 56, 256), backward: true },
    { ...vgg('conv4_1', 256, 28, 512), backward: heavy },
    ...(heavy ? [vgg('conv4_2', 512, 28, 512)] : []),
  ];
  for (const l of vggLayers) rows.push(...conv(l, s));
  rows.push(...reluRows('VGG16 relu1_2', shrink([1, 64, 224, 224], s)));
  rows.push(...pool({ group: 'VGG16 pool1', shape: [1, 64, 224, 224], k: 2, stride: 2 }, maxPoolRows, s));
  for (const n of batches) rows.push(...pool({ group: 'VGG16 pool3', shape: [n, 256, 56, 56], k: 2, stride: 2 }, maxPoolRows, s));
  rows.push(...pool({ group: 'VGG16-size avgpool', shape: [1, 128, 112, 112], k: 2, stride: 2 }, avgPoolRows, s));

  // SqueezeNet 1.1 layers
  for (const l of [{ ...sqConv1, backward: true }, ...batch8(sqConv1), { ...squeeze, backward: true }, ...batch8(squeeze), { ...expand, backward: true }, ...batch8(expand)]) {
    rows.push(...conv(l, s));
  }
  for (const n of batches) rows.push(...pool({ group: 'SqueezeNet pool1', shape: [n, 64, 111, 111], k: 3, stride: 2 }, maxPoolRows, s));

  // Whole networks
  rows.push(...networkRows(squeezeNet, { batch: 1, forwardGoal: NETWORK_FORWARD_GOAL }));
  // The training step at `npm run train`'s defaults (batch 32, Adam, lr 0.002).
  rows.push(...networkRows(defaultModel, { batch: 1, train: { batch: 32, lr: 0.002 } }));
  // The methods: DeconvNet's cost ratios (projection vs forward + input gradient, mining vs forward).
  rows.push(...deconvnetRows({ quick }));
  rows.push(...dissectionRows({ quick }));
  rows.push(...amRows({ quick, full }));
  rows.push(...rotateRows({ quick }));
  rows.push(...inversionRows());
  return rows;
}
