// Writes a dataset in the Broden on-disk format, as NetDissect's joinseg.py lays it out:
//
//   images/<image>                        pictures; masks beside them as <image stem>_<category>.png,
//                                         label = R + 256 * G per pixel, 0 = no label
//   index.csv     image,split,ih,iw,sh,sw,<one column per category>: mask file names (relative to
//                 images/) or whole-image label numbers, several separated by ';', '' for none
//   category.csv  name,first,last,count,frequency
//   label.csv     number,name,category,frequency,coverage,syns   (category as 'cat(count)' pairs)
//   c_<cat>.csv   code,number,name,frequency,coverage             (a dense code per category)
//
// frequency counts the images a label appears in; coverage adds up, over those images, the fraction
// of the image it covers (1 for a whole-image label). Labels are numbered by the caller's vocabulary
// rather than by frequency (see concepts/vocabulary.ts), and every label of the vocabulary is listed,
// even one that no image uses. One file of ours sits beside Broden's: classes.csv (image,label,name),
// the classification label of each image, written when the records carry one.

// Node's fs and path are fetched when called, so that importing this module (e.g. through an
// index) does not break a browser bundle; writing datasets is Node-only.
const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = () => process.getBuiltinModule('node:path') as typeof import('node:path');
import { formatCsvRow } from './csv.ts';
import { encodeLabelPng, encodeRgbPng } from './png.ts';
import { CATEGORY_COLUMNS, CLASS_COLUMNS, CODE_COLUMNS, INDEX_COLUMNS, LABEL_COLUMNS } from './broden-format.ts';


/** A category of the vocabulary: its labels are numbered first, first + 1, ... in this order. */
export interface WriterCategory {
  name: string;
  labels: readonly string[];
  first: number;
}

export interface BrodenRecord {
  /** Picture path relative to images/, ending in .png. */
  image: string;
  split: string;
  width: number;
  height: number;
  /** width x height RGB bytes, HWC. */
  rgb: Uint8Array;
  /** Per-pixel label numbers at the picture's size, one map per pixel category. */
  masks: Record<string, ArrayLike<number>>;
  /** Whole-image label numbers per category, dominant first. */
  wholeImage: Record<string, number[]>;
  /** The classification label (our addition), written to classes.csv. */
  classLabel?: { label: number; name: string };
}

export class BrodenWriter {
  private readonly categories: readonly WriterCategory[];
  private readonly categoryOf: string[] = []; // label number -> category name
  private readonly frequency: Float64Array;
  private readonly coverage: Float64Array;
  private readonly counts: Uint32Array; // scratch: pixels per label in one mask
  private readonly indexRows: string[] = [];
  private readonly classRows: string[] = [];
  private readonly folders = new Set<string>(); // created already: one mkdir per folder, not per file

  constructor(
    readonly dir: string,
    categories: readonly WriterCategory[],
  ) {
    this.categories = categories;
    for (const c of categories) c.labels.forEach((_, k) => (this.categoryOf[c.first + k] = c.name));
    const size = this.categoryOf.length;
    this.frequency = new Float64Array(size);
    this.coverage = new Float64Array(size);
    this.counts = new Uint32Array(size);
    fs().mkdirSync(path().join(dir, 'images'), { recursive: true });
  }

  /** Writes the picture and its masks now; the CSV files are written by finish(). */
  add(record: BrodenRecord): void {
    const { image, width, height } = record;
    if (!image.endsWith('.png')) throw new Error(`BrodenWriter: image path ${image} must end in .png`);
    const file = path().join(this.dir, 'images', image);
    if (!this.folders.has(path().dirname(file))) {
      fs().mkdirSync(path().dirname(file), { recursive: true });
      this.folders.add(path().dirname(file));
    }
    fs().writeFileSync(file, encodeRgbPng({ width, height, rgb: record.rgb }));
    const columns = this.categories.map((c) => {
      const mask = record.masks[c.name];
      const labels = record.wholeImage[c.name];
      if (mask && labels) throw new Error(`BrodenWriter: ${image} has both a mask and whole-image labels for ${c.name}`);
      if (mask) {
        const maskName = `${image.slice(0, -'.png'.length)}_${c.name}.png`;
        this.countMask(mask, c.name, image);
        fs().writeFileSync(path().join(this.dir, 'images', maskName), encodeLabelPng(mask, width, height));
        return maskName;
      }
      const present = (labels ?? []).filter((l) => l !== 0); // joinseg omits zero labels
      for (const l of present) {
        this.checkLabel(l, c.name, image);
        this.frequency[l]++;
        this.coverage[l]++;
      }
      return present.join(';');
    });
    this.indexRows.push(formatCsvRow([image, record.split, height, width, height, width, ...columns]));
    if (record.classLabel) this.classRows.push(formatCsvRow([image, record.classLabel.label, record.classLabel.name]));
  }

  private countMask(mask: ArrayLike<number>, category: string, image: string): void {
    const { counts } = this;
    counts.fill(0);
    for (let i = 0; i < mask.length; i++) {
      const l = mask[i];
      if (l !== 0 && this.categoryOf[l] !== category) this.checkLabel(l, category, image);
      counts[l]++;
    }
    for (let l = 1; l < counts.length; l++) {
      if (counts[l] === 0) continue;
      this.frequency[l]++;
      this.coverage[l] += counts[l] / mask.length;
    }
  }

  private checkLabel(label: number, category: string, image: string): void {
    if (this.categoryOf[label] !== category) throw new Error(`BrodenWriter: ${image} uses label ${label} in category ${category}, which does not hold it`);
  }

  /** Writes index.csv, category.csv, label.csv, the c_<category>.csv files and classes.csv. */
  finish(): void {
    const names = this.categories.map((c) => c.name);
    const write = (name: string, header: readonly string[], rows: string[]) => fs().writeFileSync(path().join(this.dir, name), formatCsvRow(header) + rows.join(''));
    write('index.csv', [...INDEX_COLUMNS, ...names], this.indexRows);
    const ranges = this.categories.map((c) => ({ ...c, numbers: c.labels.map((_, k) => c.first + k) }));
    write(
      'category.csv',
      CATEGORY_COLUMNS,
      ranges.map((c) => formatCsvRow([c.name, c.first, c.first + c.labels.length - 1, c.labels.length, c.numbers.reduce((s, l) => s + this.frequency[l], 0)])),
    );
    write(
      'label.csv',
      LABEL_COLUMNS,
      ranges.flatMap((c) => c.numbers.map((l, k) => formatCsvRow([l, c.labels[k], `${c.name}(${this.frequency[l]})`, this.frequency[l], this.coverage[l].toFixed(6), '']))),
    );
    for (const c of ranges) {
      write(`c_${c.name}.csv`, CODE_COLUMNS, c.numbers.map((l, k) => formatCsvRow([k + 1, l, c.labels[k], this.frequency[l], this.coverage[l].toFixed(6)])));
    }
    if (this.classRows.length > 0) write('classes.csv', CLASS_COLUMNS, this.classRows);
  }
}
