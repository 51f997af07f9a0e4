// The engine when things go wrong: a device lost mid-run (device.destroy(), as a driver reset would)
// fails pending and later reads with an Error saying the device was lost, and a new engine works in
// the same process; an upload is never overtaken by a clear recorded before it. Atomic writes.
//
// This file creates its own engines (not getEngine()): the test destroys their devices. Only one
// lives at a time.

import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, DeviceLostError } from '../src/engine/engine.ts';
import { writeFileAtomic, writeFileAtomicSync } from '../src/data/atomic-write.ts';
import { decodeImageNode, writePng } from '../src/data/image-node.ts';

describe('a lost device', () => {
  it('fails a pending read, later reads and new work with an Error saying the device was lost; a new engine then works', async () => {
    const engine = await createEngine();
    const x = engine.tensor(Float32Array.from({ length: 1 << 16 }, (_, i) => i - 30000), [1 << 16]);
    expect((await engine.ops.relu(x).read())[30001]).toBe(1); // the device works before
    const y = engine.ops.relu(x);
    const pending = y.read();
    engine.device.destroy();
    const lost = /^the GPU device was lost \(destroyed: .*\)\. Create a new engine to continue\.$/;
    await expect(pending).rejects.toThrow(lost);
    await expect(pending).rejects.toBeInstanceOf(DeviceLostError);
    await expect(y.read()).rejects.toThrow(lost);
    expect(() => engine.ops.relu(x)).toThrow(lost);
    expect(() => engine.tensor([1, 2], [2])).toThrow(lost);
    engine.destroy(); // still allowed, and quiet

    const fresh = await createEngine();
    try {
      const z = fresh.tensor([-1, 2, -3, 4], [4]);
      expect(Array.from(await fresh.ops.relu(z).read())).toEqual([0, 2, 0, 4]);
    } finally {
      fresh.destroy();
    }
  });
});

describe('uploads and recorded clears', () => {
  it('an upload into a zeros() tensor before anything is submitted keeps the uploaded values (the resume bug)', async () => {
    const engine = await createEngine();
    try {
      // Fresh buffers (nothing released to the pool yet), so only the clear mark can force the flush.
      const t = engine.zeros([3, 5]);
      const values = Float32Array.from({ length: 15 }, (_, i) => i + 0.5);
      engine.upload(t, values);
      expect(Array.from(await t.read())).toEqual(Array.from(values));
      const u = engine.zeros([7]);
      expect(Array.from(await u.read())).toEqual(new Array(7).fill(0));
    } finally {
      engine.destroy();
    }
  });
});

describe('atomic writes', () => {
  it('replace the file whole, leave no temporary file, and leave the old file when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convsight-atomic-'));
    try {
      const file = join(dir, 'out.json');
      writeFileSync(file, 'old');
      writeFileAtomicSync(file, 'new contents');
      expect(readFileSync(file, 'utf8')).toBe('new contents');
      await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
      expect(Array.from(readFileSync(file))).toEqual([1, 2, 3]);
      expect(readdirSync(dir)).toEqual(['out.json']);

      // A target that cannot be replaced (a directory): the error names it and no temporary file stays.
      const blocked = join(dir, 'blocked');
      mkdirSync(blocked);
      writeFileSync(join(blocked, 'inside'), 'x');
      expect(() => writeFileAtomicSync(blocked, 'data')).toThrow(`cannot write '${blocked}'`);
      await expect(writeFileAtomic(blocked, 'data')).rejects.toThrow(`cannot write '${blocked}'`);
      expect(readdirSync(dir).sort()).toEqual(['blocked', 'out.json']);

      // writePng goes through it.
      const png = join(dir, 'picture.png');
      await writePng(png, { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) });
      expect(decodeImageNode(readFileSync(png)).rgb).toEqual(new Uint8Array([255, 0, 0, 0, 0, 255]));
      expect(existsSync(png)).toBe(true);
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
