// Commands that are whole programs of their own (the bench, the fuzzer) run as child processes
// with the same arguments, so `convsight bench ...` is exactly `npm run bench -- ...`.

import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function runScript(script: string, args: string[]): Promise<void> {
  const { spawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 2 : 0)));
  });
  process.exitCode = code;
}
