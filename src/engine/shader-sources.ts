// WGSL sources live in shaders/*.wgsl. Under Vite (the page, the bench page, vitest) they are
// bundled with import.meta.glob; under plain Node (the CLI run by tsx) they are read from disk.

let sources: Record<string, string> | null = null;

function fromVite(): Record<string, string> | null {
  try {
    const modules = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true });
    const out: Record<string, string> = {};
    for (const [path, text] of Object.entries(modules)) out[path.replace(/^.*\/(.*)\.wgsl$/, '$1')] = text as string;
    return out;
  } catch {
    return null; // not under Vite: import.meta.glob is undefined
  }
}

function fromDisk(): Record<string, string> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const dir = new URL('../../shaders/', import.meta.url);
  const out: Record<string, string> = {};
  for (const file of fs.readdirSync(dir)) {
    if (file.endsWith('.wgsl')) out[file.slice(0, -5)] = fs.readFileSync(new URL(file, dir), 'utf8');
  }
  return out;
}

export function shaderSource(name: string): string {
  sources ??= fromVite() ?? fromDisk();
  const text = sources[name];
  if (text === undefined) throw new Error(`No shader named '${name}' (looked for shaders/${name}.wgsl)`);
  return text;
}
