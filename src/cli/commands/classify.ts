// classify: run a classifier on an image and print its top classes with their probabilities.

import { createEngine } from '../../engine/engine.ts';
import { buildModel } from '../../models/model.ts';
import { imageToTensor, readImageFile } from '../../data/image.ts';
import { parseOptions, positiveInt, required, UsageError } from '../args.ts';
import { readModelFile } from '../model-file.ts';
import { classProbabilities, outputIsSoftmax } from '../../models/scores.ts';

export const summary = 'print the top classes a model gives an image';

export const usage = `
usage: classify --model FILE.onnx|spec.json --image IMG [--labels FILE] [--top 5] [--fit crop|stretch]
                [--preprocessing imagenet|caffe|symmetric] [--json]

  --model   an ONNX model, or our format: spec.json with spec.safetensors beside it
  --image   a PNG or JPEG picture; it is fitted to the model's input (centre crop by default)
  --labels  class names, one per line ('n01440764<TAB>tench' lines keep the name); default: the
            spec's labels, or a labels.txt beside an ONNX model
  --top     how many classes to print (default 5)
  --fit     'crop' (keep the aspect ratio, centre crop as in ImageNet evaluation) or 'stretch'
  --preprocessing
            how pixels become inputs (ONNX files do not say; default 'imagenet': RGB in [0,1],
            ImageNet mean/std; 'caffe': BGR in [0,255] minus the mean, for Caffe-era AlexNet/VGG;
            'symmetric': RGB in [-1,1])
  --json    print the top classes as JSON ([{ rank, index, label, probability }]) instead of text
`;

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, k);
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('classify', usage, args, {
    model: { type: 'string' },
    image: { type: 'string' },
    labels: { type: 'string' },
    top: { type: 'string' },
    fit: { type: 'string' },
    preprocessing: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!opts) return;
  const modelPath = required('classify', 'model', opts.model);
  const imagePath = required('classify', 'image', opts.image);
  const top = positiveInt('classify', 'top', opts.top, 5);
  const fit = opts.fit ?? 'crop';
  if (fit !== 'crop' && fit !== 'stretch') throw new UsageError(`classify: --fit must be 'crop' or 'stretch', got '${fit}'`);

  const { spec, weights } = readModelFile(modelPath, opts.labels, opts.preprocessing);
  const image = await readImageFile(imagePath);
  const engine = await createEngine();
  try {
    const model = await buildModel(engine, spec, weights);
    const x = imageToTensor(engine, image.rgb, image.width, image.height, spec.input, { fit });
    const outputs = await model.forward(x, { until: spec.output });
    const scores = await outputs.get(spec.output)!.readFloat();
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    const probs = classProbabilities(scores, outputIsSoftmax(model));
    model.dispose();

    const [, h, w] = spec.input.shape;
    if (opts.json) {
      const top5 = topK(probs, top).map((i, rank) => ({ rank: rank + 1, index: i, label: spec.labels?.[i] ?? `class ${i}`, probability: probs[i] }));
      console.log(JSON.stringify(top5, null, 2));
      return;
    }
    console.log(`${imagePath} (${image.width}x${image.height}) -> ${spec.name} (${w}x${h} input, ${fit}):`);
    for (const [rank, i] of topK(probs, top).entries()) {
      const label = spec.labels?.[i] ?? `class ${i}`;
      console.log(`${String(rank + 1).padStart(3)}. ${(probs[i] * 100).toFixed(2).padStart(6)}%  ${label}  (${i})`);
    }
  } finally {
    engine.destroy();
  }
}
