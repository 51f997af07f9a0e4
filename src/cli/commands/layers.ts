// layers: list a model's layers (the names the visualization methods take) with their output
// shapes, unit counts and parameter counts. Shapes are inferred on the CPU: no GPU needed.

import { inferShapes } from '../../models/shapes.ts';
import { parseOptions, required } from '../args.ts';
import { readModelFile } from '../model-file.ts';

export const summary = "list a model's layers with output shapes and unit counts";

export const usage = `
usage: layers --model FILE.onnx|spec.json [--json]

  --model   an ONNX model, or our format: spec.json with spec.safetensors beside it
  --json    print the layers as JSON ({ name, input, output, layers: [{ name, type, shape, units, params }] })

Prints every layer (node) in order: its name (what --layer options take), type, output shape for
one image, number of units (channels of a feature map, or neurons) and number of parameters.
`;

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('layers', usage, args, { model: { type: 'string' }, json: { type: 'boolean' } });
  if (!opts) return;
  const modelPath = required('layers', 'model', opts.model);
  const { spec, weights } = readModelFile(modelPath);
  const shapes = inferShapes(spec, new Map([...weights].map(([k, t]) => [k, t.shape])));
  const params = (name: string) => ['weight', 'bias'].reduce((n, k) => n + (weights.get(`${name}.${k}`)?.data.length ?? 0), 0);

  if (opts.json) {
    const layers = spec.nodes.map((n) => ({ name: n.name, type: n.type, shape: shapes.get(n.name)!, units: shapes.get(n.name)![1], params: params(n.name) }));
    console.log(JSON.stringify({ name: spec.name, input: { name: spec.input.name, shape: spec.input.shape }, output: spec.output, layers }, null, 2));
    return;
  }
  const rows = spec.nodes.map((n) => {
    const shape = shapes.get(n.name)!;
    return [n.name, n.type, `[${shape.join(', ')}]`, String(shape[1]), params(n.name).toLocaleString('en-US')];
  });
  const header = ['layer', 'type', 'output', 'units', 'params'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();

  const [c, h, w] = spec.input.shape;
  const total = spec.nodes.reduce((n, node) => n + params(node.name), 0);
  console.log(`${spec.name}: input '${spec.input.name}' [N, ${c}, ${h}, ${w}], output '${spec.output}', ${spec.nodes.length} layers, ${total.toLocaleString('en-US')} parameters`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
