// occlusion: Zeiler & Fergus's occlusion sensitivity for one image: a grey square slid over it,
// the class probability (or a unit's activation) per position drawn over the image, and the most
// probable class per position.

import { createEngine } from '../../engine/engine.ts';
import { rgbToRgba, writePng } from '../../data/image.ts';
import type { RgbaImage } from '../../data/image.ts';
import { occlusion } from '../../methods/deconvnet/occlusion.ts';
import { heatOverlay, magnify, sideBySide } from '../../viz/overlay.ts';
import { ProgressBar } from '../../train/progress.ts';
import { parseOptions, positiveInt, required, UsageError } from '../args.ts';
import { fitOption, loadCliModel, nonNegativeInt, readInputImage } from './deconvnet.ts';

export const summary = 'occlusion sensitivity: a grey square slid over the image, the score and the top class per position';

export const usage = `
usage: occlusion [--model FILE.onnx|spec.json] --image IMG [--class C | --layer L --unit U]
                 [--size S] [--stride T] [--fill 128] [--batch 16] [--fit crop|stretch] --out FILE.png

Slides a grey square over the image (Zeiler & Fergus 2014, 4.2) and writes three panels: the
image; how much the target's score drops with the square at each place (a heat map over the
image: bright = the network needed what was hidden there); the most probable class per place
(a colour per class; the classes are printed).

  --model   an ONNX model or our spec.json (+ .safetensors); default: the shipped conceptnet
  --class   the class, by index or name (default: the top class of the whole image)
  --layer, --unit
            instead of a class: the total activation of this unit of this layer
  --size    the square's side in input pixels (default: a quarter of the input side)
  --stride  the step between positions (default: half the size)
  --fill    the square's pixel value 0..255 (default 128, grey)
`;

const PALETTE_NAMES = ['red', 'green', 'yellow', 'blue', 'orange', 'purple', 'cyan', 'magenta', 'lime', 'pink', 'teal', 'lavender', 'brown', 'beige', 'maroon', 'mint'];
const PALETTE: [number, number, number][] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230],
  [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255], [170, 110, 40], [255, 250, 200], [128, 0, 0], [170, 255, 195],
];

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('occlusion', usage, args, {
    model: { type: 'string' },
    labels: { type: 'string' },
    preprocessing: { type: 'string' },
    image: { type: 'string' },
    class: { type: 'string' },
    layer: { type: 'string' },
    unit: { type: 'string' },
    size: { type: 'string' },
    stride: { type: 'string' },
    fill: { type: 'string' },
    batch: { type: 'string' },
    fit: { type: 'string' },
    out: { type: 'string' },
  });
  if (!opts) return;
  const imagePath = required('occlusion', 'image', opts.image);
  const out = required('occlusion', 'out', opts.out);
  if (opts.class !== undefined && (opts.layer !== undefined || opts.unit !== undefined)) throw new UsageError('occlusion: give --class, or --layer with --unit, not both');
  if ((opts.layer === undefined) !== (opts.unit === undefined)) throw new UsageError('occlusion: --layer and --unit go together');
  const size = opts.size === undefined ? undefined : positiveInt('occlusion', 'size', opts.size, 1);
  const stride = opts.stride === undefined ? undefined : positiveInt('occlusion', 'stride', opts.stride, 1);
  const fill = opts.fill === undefined ? 128 : nonNegativeInt('occlusion', 'fill', opts.fill);
  const batch = positiveInt('occlusion', 'batch', opts.batch, 16);
  const fit = fitOption('occlusion', opts.fit);

  const engine = await createEngine();
  try {
    const model = await loadCliModel(engine, opts.model, opts.labels, opts.preprocessing);
    const labels = model.labels;
    const { picture, data } = await readInputImage(model, imagePath, fit);
    const x = engine.tensor(data, [1, ...model.inputShape]);
    let target: number | { layer: string; unit: number };
    if (opts.layer !== undefined) {
      target = { layer: opts.layer, unit: nonNegativeInt('occlusion', 'unit', opts.unit!) };
    } else if (opts.class !== undefined) {
      const byName = labels?.indexOf(opts.class) ?? -1;
      if (byName >= 0) target = byName;
      else if (/^\d+$/.test(opts.class)) target = Number(opts.class);
      else throw new UsageError(`occlusion: --class '${opts.class}' is neither a class index nor one of the model's class names`);
    } else {
      const outputs = await model.forward(x);
      const scores = await outputs.get(model.spec.output)!.readFloat();
      for (const t of outputs.values()) t.dispose();
      target = scores.indexOf(Math.max(...scores));
    }
    const name = (c: number) => labels?.[c] ?? `class ${c}`;
    let bar = null as ProgressBar | null;
    let barTotal = 0;
    const start = performance.now();
    const r = await occlusion(model, x, {
      target,
      size,
      stride,
      fill,
      batch,
      onProgress: (done, total) => {
        barTotal = total;
        bar ??= new ProgressBar(total);
        bar.update(done, `${done}/${total} positions, ${(done / ((performance.now() - start) / 1000)).toFixed(1)} images/s`);
      },
    });
    bar?.done();
    const drop = r.scores.map((s) => r.baseline - s);
    const image = rgbToRgba(picture);
    const classes = [...new Set(r.topClass)].sort((a, b) => a - b);
    const classMap: RgbaImage = { width: picture.width, height: picture.height, data: new Uint8ClampedArray(picture.width * picture.height * 4) };
    // Each pixel takes the class of the position whose square's centre is nearest.
    const nearest = (starts: number[], v: number) => starts.reduce((best, s, i) => (Math.abs(s + r.size / 2 - v) < Math.abs(starts[best] + r.size / 2 - v) ? i : best), 0);
    for (let y = 0; y < picture.height; y++) {
      const i = nearest(r.tops, y + 0.5);
      for (let xx = 0; xx < picture.width; xx++) {
        const c = r.topClass[i * r.cols + nearest(r.lefts, xx + 0.5)];
        classMap.data.set([...PALETTE[classes.indexOf(c) % PALETTE.length], 255], (y * picture.width + xx) * 4);
      }
    }
    const scale = Math.max(1, Math.floor(256 / picture.width));
    await writePng(out, sideBySide([image, heatOverlay(image, drop, r.cols, r.rows), classMap].map((p) => magnify(p, scale)), 4));
    const what = typeof target === 'number' ? `P(${name(target)})` : `unit ${target.unit} of '${target.layer}' (total activation)`;
    console.log(`${model.spec.name}: ${what} = ${r.baseline.toPrecision(3)} unoccluded; with a ${r.size}px square over ${r.rows}x${r.cols} positions (${barTotal} images): min ${Math.min(...r.scores).toPrecision(3)}, max ${Math.max(...r.scores).toPrecision(3)}`);
    const legend = classes.map((c, i) => `${name(c)} (${PALETTE_NAMES[i % PALETTE.length]}) x${r.topClass.filter((t) => t === c).length}`);
    console.log(`top class per position: ${legend.join(', ')} -> ${out}`);
  } finally {
    engine.destroy();
  }
}
