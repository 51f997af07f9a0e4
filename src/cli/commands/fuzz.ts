// fuzz: every file reader against mutated inputs (src/fuzz/main.ts).
import { runScript } from './scripts.ts';

export const run = (args: string[]) => runScript('src/fuzz/main.ts', args);
