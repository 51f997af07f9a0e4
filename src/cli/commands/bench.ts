// bench: the kernels, networks and methods side by side with TensorFlow.js (bench/run-node.ts).
import { runScript } from './scripts.ts';

export const run = (args: string[]) => runScript('bench/run-node.ts', args);
