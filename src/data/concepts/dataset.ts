// Generates a split of the concept dataset and writes it in the Broden format.

// Node's fs and path are fetched when called, so that importing this module (e.g. through an
// index) does not break a browser bundle; writing datasets is Node-only.
const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = () => process.getBuiltinModule('node:path') as typeof import('node:path');
import { BrodenWriter } from '../broden-writer.ts';
import { generateImage } from './scene.ts';
import { CATEGORIES, SHAPES } from './vocabulary.ts';

export interface GenerateOptions {
  /** Number of images. */
  count: number;
  /** Images are a pure function of (seed, index, size): image i is the same whatever the count. */
  seed?: number;
  /** Width and height in pixels (default 64). */
  size?: number;
  /** The split name written to index.csv for every image (default 'train'). */
  split?: string;
  /** Called every few images and at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateResult {
  dir: string;
  count: number;
  seconds: number;
}

const README_TITLE = 'convsight concept dataset';

/** Files of ours that a new dataset replaces when the directory already holds one. */
const OWN_FILES = ['index.csv', 'category.csv', 'label.csv', 'classes.csv', 'README.txt', ...CATEGORIES.map((c) => `c_${c.name}.csv`)];

export async function generateDataset(outDir: string, options: GenerateOptions): Promise<GenerateResult> {
  const { count, seed = 1, size = 64, split = 'train', onProgress } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`generateDataset: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`generateDataset: seed must be an integer in [0, 2^32), got ${seed}`);
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`generateDataset: size must be an integer in [16, 1024], got ${size}`);
  if (split === '') throw new Error('generateDataset: split must not be empty');
  prepareDirectory(outDir);

  const start = performance.now();
  const writer = new BrodenWriter(outDir, CATEGORIES);
  const digits = Math.max(5, String(count - 1).length);
  for (let i = 0; i < count; i++) {
    const im = generateImage(seed, i, size);
    writer.add({
      image: `concepts/${String(i).padStart(digits, '0')}.png`,
      split,
      width: size,
      height: size,
      rgb: im.rgb,
      masks: { color: im.color, object: im.object, part: im.part },
      wholeImage: { scene: [im.scene], texture: [im.texture] },
      classLabel: { label: im.classIndex, name: SHAPES[im.classIndex] },
    });
    if ((i + 1) % 50 === 0 || i + 1 === count) {
      onProgress?.(i + 1, count);
      await new Promise((resolve) => setImmediate(resolve)); // let a progress line reach the terminal
    }
  }
  writer.finish();
  fs().writeFileSync(path().join(outDir, 'README.txt'), readme(count, seed, size, split));
  return { dir: outDir, count, seconds: (performance.now() - start) / 1000 };
}

/** Refuses a non-empty directory unless it holds an earlier dataset of ours, whose files it removes. */
function prepareDirectory(dir: string): void {
  if (!fs().existsSync(dir) || fs().readdirSync(dir).length === 0) return;
  const readmePath = path().join(dir, 'README.txt');
  if (!fs().existsSync(readmePath) || !fs().readFileSync(readmePath, 'utf8').startsWith(README_TITLE)) {
    throw new Error(`generateDataset: ${dir} is not empty and holds no concept dataset (no README.txt of ours); choose an empty or new directory`);
  }
  fs().rmSync(path().join(dir, 'images', 'concepts'), { recursive: true, force: true });
  for (const f of OWN_FILES) fs().rmSync(path().join(dir, f), { force: true });
}

function readme(count: number, seed: number, size: number, split: string): string {
  return `${README_TITLE}
=========================
${count} images of ${size}x${size} pixels, seed ${seed}, split '${split}'.

Broden layout (as NetDissect reads it): images/concepts/NNNNN.png with masks beside them
(NNNNN_color.png, NNNNN_object.png, NNNNN_part.png; label = R + 256 * G); index.csv,
category.csv, label.csv, c_<category>.csv. Categories: color, object and part per pixel,
scene (by object count) and texture (the background) per image.
classes.csv (not Broden's): image,label,name, the shape class of the largest visible object.
`;
}
