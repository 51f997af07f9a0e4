// Writing an output file atomically: the bytes go to a temporary file in the same directory, are
// flushed to disk, and the temporary file is renamed over the target. A rename within a directory
// is atomic on POSIX file systems (and replaces the target on Windows too), so a reader, or a run
// killed halfway, sees the old file or the new one, never half of the new one. Node-only.

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const pathModule = () => process.getBuiltinModule('node:path') as typeof import('node:path');

let counter = 0;

/** A temporary name beside `path`: hidden, unique to this process and call. */
function temporaryName(path: string): string {
  const { dir, base } = pathModule().parse(path);
  return pathModule().join(dir, `.${base}.${process.pid}.${++counter}.tmp`);
}

/** Writes `data` to `path` atomically (temporary file, fsync, rename). */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const temp = temporaryName(path);
  const f = fs();
  try {
    const fd = f.openSync(temp, 'w', 0o644);
    try {
      f.writeFileSync(fd, data);
      f.fsyncSync(fd);
    } finally {
      f.closeSync(fd);
    }
    f.renameSync(temp, path);
  } catch (e) {
    f.rmSync(temp, { force: true });
    throw new Error(`cannot write '${path}': ${(e as Error).message}`);
  }
}

/** Writes `data` to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = temporaryName(path);
  const f = fs().promises;
  try {
    const handle = await f.open(temp, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await f.rename(temp, path);
  } catch (e) {
    await f.rm(temp, { force: true });
    throw new Error(`cannot write '${path}': ${(e as Error).message}`);
  }
}
