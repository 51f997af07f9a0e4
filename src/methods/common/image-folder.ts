// An image set from a folder on disk (Node): a Broden-format dataset (it has index.csv: the
// concept dataset, the real Broden), or any folder of PNG and JPEG pictures, in name order.
// Used by the command line; the page builds its sets from the files a person picks.

import { loadBroden } from '../../data/broden.ts';
import { readImageFile } from '../../data/image-node.ts';
import { datasetImages, type ImageSet } from './image-set.ts';

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = () => process.getBuiltinModule('node:path') as typeof import('node:path');

/** The pictures of `dir`: a Broden-format dataset's images, or the folder's .png/.jpg/.jpeg files. */
export function folderImages(dir: string): ImageSet {
  let entries: string[];
  try {
    entries = fs().readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read the image folder '${dir}': ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (e as Error).message}`);
  }
  if (entries.includes('index.csv')) return datasetImages(loadBroden(dir));
  const files = entries.filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  if (!files.length) throw new Error(`the image folder '${dir}' is empty: no index.csv (Broden format) and no .png or .jpg files`);
  return { length: files.length, name: (i) => files[i], load: (i) => readImageFile(path().join(dir, files[i])) };
}
