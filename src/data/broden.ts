// Reads a dataset in the Broden on-disk format (see broden-writer.ts for the layout), ours or the real
// Broden, into a Dataset: the parsed CSV files, and loaders for each image's picture and label masks.
// Semantics follow NetDissect's loader (SegmentationData): a category column of index.csv holds
// ';'-separated entries, each a mask PNG under images/ (label = R + 256 * G) or a whole-image label
// number; label 0 means "no label".

// Node's fs and path are fetched when called, so that importing this module (through src/index.ts)
// does not break the browser bundle; loadBroden itself is Node-only.
const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const join = (...parts: string[]) => (process.getBuiltinModule('node:path') as typeof import('node:path')).join(...parts);
import { parseCsv, type CsvTable } from './csv.ts';
import { decodeImageNode } from './image-node.ts';
import type { RgbImage } from './image-format.ts';
import { decodeLabelPng } from './png.ts';
import { MAX_PIXELS } from './image-limits.ts';
import { CATEGORY_COLUMNS, CLASS_COLUMNS, CODE_COLUMNS, INDEX_COLUMNS, LABEL_COLUMNS } from './broden-format.ts';

export type { RgbImage } from './image-format.ts';

export interface BrodenCategory {
  name: string;
  first: number;
  last: number;
  count: number;
  frequency: number;
}

export interface BrodenLabel {
  number: number;
  name: string;
  /** The category the label is listed under first (its most frequent one), '' if none. */
  category: string;
  /** Images per category that carry the label, e.g. { material: 36, object: 3 }. */
  categories: Record<string, number>;
  frequency: number;
  coverage: number;
  syns: string[];
}

/** A row of c_<category>.csv: the category's dense code for a label number. */
export interface BrodenCode {
  code: number;
  number: number;
  name: string;
  frequency: number;
  coverage: number;
}

export interface BrodenImage {
  /** The picture's path relative to images/, as index.csv gives it. */
  image: string;
  /** The picture's path on disk. */
  path: string;
  split: string;
  ih: number;
  iw: number;
  sh: number;
  sw: number;
  /** Mask files on disk, per pixel category. */
  masks: Record<string, string[]>;
  /** Whole-image label numbers, per category. */
  wholeImage: Record<string, number[]>;
}

export interface Dataset {
  dir: string;
  /** In category.csv's order. */
  categories: BrodenCategory[];
  labels: Map<number, BrodenLabel>;
  /** c_<category>.csv, per category, in code order. */
  codes: Record<string, BrodenCode[]>;
  images: BrodenImage[];
  /** From classes.csv (ours, absent from the real Broden): each image's class index, and the class names. */
  classLabels: number[] | null;
  classNames: string[] | null;
  /** Decodes image i's picture (PNG, or JPEG as the real Broden's are). */
  loadImage(i: number): RgbImage;
  /**
   * Image i's labels in one category as sh x sw label maps, one per entry of its index.csv column:
   * a mask decoded as R + 256 * G, or a whole-image label repeated over the map. [] when it has none.
   */
  loadLabelMasks(i: number, category: string): Int32Array[];
}

export interface LoadBrodenOptions {
  /** The picture decoder; by default decodeImageNode (PNG, and JPEG as in the real Broden). */
  decodeImage?: (bytes: Uint8Array, path: string) => RgbImage;
  /** Where warnings go (an index.csv column that is not a category); default console.warn. */
  onWarning?: (message: string) => void;
}

/** Either a mask file (relative to images/) or a whole-image label number. */
type Entry = string | number;

export function loadBroden(dir: string, options: LoadBrodenOptions = {}): Dataset {
  const table = (name: string, columns: readonly string[], required = true) => readTable(join(dir, name), columns, required);

  const categoryTable = table('category.csv', CATEGORY_COLUMNS)!;
  const categories = categoryTable.rows.map((r) => ({
    name: r.get('name'),
    first: r.int('first'),
    last: r.int('last'),
    count: r.int('count'),
    frequency: r.number('frequency'),
  }));

  const labels = new Map<number, BrodenLabel>();
  for (const r of table('label.csv', LABEL_COLUMNS)!.rows) {
    const counts = parseLabelCategories(r.get('category'), r.where);
    const number = r.int('number');
    if (labels.has(number)) throw new Error(`loadBroden: ${r.where}: label number ${number} is listed twice`);
    labels.set(number, {
      number,
      name: r.get('name'),
      category: Object.keys(counts)[0] ?? '',
      categories: counts,
      frequency: r.number('frequency'),
      coverage: r.number('coverage'),
      syns: r.get('syns').split(';').filter((s) => s !== ''),
    });
  }

  const codes: Record<string, BrodenCode[]> = {};
  for (const c of categories) {
    codes[c.name] = table(`c_${c.name}.csv`, CODE_COLUMNS)!.rows.map((r) => ({
      code: r.int('code'),
      number: r.int('number'),
      name: r.get('name'),
      frequency: r.number('frequency'),
      coverage: r.number('coverage'),
    }));
  }

  const index = table('index.csv', INDEX_COLUMNS)!;
  const indexFile = join(dir, 'index.csv');
  if (INDEX_COLUMNS.some((c, k) => index.header[k] !== c)) {
    throw new Error(`loadBroden: ${indexFile} line 1: the header must begin ${INDEX_COLUMNS.join(',')}, got ${index.header.join(',')}`);
  }
  // As NetDissect's loader: a column that category.csv does not list (a subset of Broden, or a set
  // made by another tool, keeps all six standard columns) is skipped, with a warning.
  const columns = index.header.slice(INDEX_COLUMNS.length).filter((c) => {
    if (categories.some((k) => k.name === c)) return true;
    (options.onWarning ?? console.warn)(`loadBroden: ${indexFile}: column '${c}' is not a category of category.csv; ignored`);
    return false;
  });
  const entries: Record<string, Entry[]>[] = [];
  const lines: number[] = [];
  const images = index.rows.map((r) => {
    const row: Record<string, Entry[]> = {};
    const name = r.get('image');
    const image: BrodenImage = {
      image: name,
      path: join(dir, 'images', name),
      split: r.get('split'),
      ih: r.int('ih', 1),
      iw: r.int('iw', 1),
      sh: r.int('sh', 1),
      sw: r.int('sw', 1),
      masks: {},
      wholeImage: {},
    };
    // Sizes drive allocations (a whole-image label becomes an sh x sw map): bounded before any.
    for (const [w, h, what] of [[image.iw, image.ih, 'iw x ih'], [image.sw, image.sh, 'sw x sh']] as const) {
      if (w * h > MAX_PIXELS) throw new Error(`loadBroden: ${r.where}: ${what} = ${w} x ${h} is more than ${MAX_PIXELS} pixels`);
    }
    for (const c of columns) {
      row[c] = r.get(c).split(';').filter((s) => s !== '').map((s) => (/^\d+$/.test(s) ? Number(s) : s)).filter((e) => e !== 0); // empty cells and label 0: no label
      for (const e of row[c]) {
        if (typeof e === 'string') (image.masks[c] ??= []).push(join(dir, 'images', e));
        else if (!labels.has(e)) throw new Error(`loadBroden: ${r.where}: label ${e} in column ${c} is not in label.csv`);
        else (image.wholeImage[c] ??= []).push(e);
      }
    }
    entries.push(row);
    lines.push(r.line);
    return image;
  });

  const classes = readClasses(table('classes.csv', CLASS_COLUMNS, false), join(dir, 'classes.csv'), images);
  const where = (i: number) => `image ${i}, ${indexFile} line ${lines[i]}`;
  const checkIndex = (fn: string, i: number) => {
    if (!(Number.isInteger(i) && i >= 0 && i < images.length)) throw new Error(`${fn}: image index ${i} is out of range [0, ${images.length})`);
  };

  return {
    dir,
    categories,
    labels,
    codes,
    images,
    classLabels: classes?.labels ?? null,
    classNames: classes?.names ?? null,
    loadImage(i) {
      checkIndex('loadImage', i);
      const { path, ih, iw } = images[i];
      const bytes = readFile(path, `picture of ${where(i)}`);
      const picture = (options.decodeImage ?? decodeImageNode)(bytes, path);
      if (picture.width !== iw || picture.height !== ih) {
        throw new Error(`loadImage: ${path} is ${picture.width}x${picture.height} but index.csv says iw=${iw}, ih=${ih} (${where(i)})`);
      }
      return picture;
    },
    loadLabelMasks(i, category) {
      checkIndex('loadLabelMasks', i);
      if (!categories.some((c) => c.name === category)) throw new Error(`loadLabelMasks: unknown category ${category} (categories: ${categories.map((c) => c.name).join(', ')})`);
      const { sh, sw } = images[i];
      return (entries[i][category] ?? []).map((e) => {
        if (typeof e === 'number') return new Int32Array(sh * sw).fill(e);
        const path = join(dir, 'images', e);
        const mask = decodeLabelPng(readFile(path, `${category} mask of ${where(i)}`), path);
        if (mask.width !== sw || mask.height !== sh) {
          throw new Error(`loadLabelMasks: ${path} is ${mask.width}x${mask.height} but index.csv says sw=${sw}, sh=${sh} (${where(i)})`);
        }
        return mask.labels;
      });
    },
  };
}

function readFile(path: string, what: string): Buffer {
  if (!fs().existsSync(path)) throw new Error(`loadBroden: missing file ${path} (the ${what})`);
  return fs().readFileSync(path);
}

/** A CSV row read by column name, with conversions whose errors name the file, line and column. */
interface Row {
  line: number;
  where: string;
  get(column: string): string;
  int(column: string, min?: number): number;
  number(column: string): number;
}

/** A table larger than this is refused before it is read (a CSV of 10^9 rows would not fit in a string). */
export const MAX_CSV_BYTES = 256 << 20;
const MAX_CLASS_LABEL = 65535;

function readTable(file: string, required: readonly string[], mustExist: boolean): { header: string[]; rows: Row[] } | null {
  if (!fs().existsSync(file)) {
    if (!mustExist) return null;
    throw new Error(`loadBroden: missing file ${file} (a Broden directory holds index.csv, category.csv, label.csv and c_<category>.csv)`);
  }
  const bytes = fs().statSync(file).size;
  if (bytes > MAX_CSV_BYTES) throw new Error(`loadBroden: ${file} is ${bytes} bytes, more than the ${MAX_CSV_BYTES >> 20} MiB a Broden table may have (the real Broden's largest is ~10 MiB)`);
  let table: CsvTable;
  try {
    table = parseCsv(fs().readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw new Error(`loadBroden: ${(e as Error).message}`);
  }
  const missing = required.filter((c) => !table.header.includes(c));
  if (missing.length > 0) throw new Error(`loadBroden: ${file} line 1: missing column(s) ${missing.join(', ')} in the header ${table.header.join(',')}`);
  const position = new Map(table.header.map((c, k) => [c, k]));
  const rows = table.rows.map(({ line, fields }): Row => {
    const where = `${file} line ${line}`;
    const get = (column: string) => fields[position.get(column) ?? -1] ?? '';
    return {
      line,
      where,
      get,
      int(column, min = 0) {
        const text = get(column);
        if (!/^-?\d+$/.test(text) || Number(text) < min) throw new Error(`loadBroden: ${where}: ${column} must be an integer >= ${min}, got '${text}'`);
        return Number(text);
      },
      number(column) {
        const text = get(column);
        const value = Number(text);
        if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`loadBroden: ${where}: ${column} must be a number, got '${text}'`);
        return value;
      },
    };
  });
  return { header: table.header, rows };
}

/** label.csv's category field: 'material(36);object(3)'. */
function parseLabelCategories(text: string, where: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const part of text.split(';').filter((s) => s !== '')) {
    const m = /^([^(]*)\((\d+)\)$/.exec(part);
    if (!m) throw new Error(`loadBroden: ${where}: category must be 'name(count)' pairs separated by ';', got '${text}'`);
    counts[m[1]] = Number(m[2]);
  }
  return counts;
}

function readClasses(table: { rows: Row[] } | null, file: string, images: BrodenImage[]): { labels: number[]; names: string[] } | null {
  if (!table) return null;
  const byImage = new Map<string, number>();
  const names: string[] = [];
  for (const r of table.rows) {
    const label = r.int('label');
    // Class names are kept in an array indexed by label: a label of 1e9 would make it huge.
    if (label > MAX_CLASS_LABEL) throw new Error(`loadBroden: ${r.where}: label must be at most ${MAX_CLASS_LABEL}, got ${label}`);
    const name = r.get('name');
    if (names[label] !== undefined && names[label] !== name) throw new Error(`loadBroden: ${r.where}: class ${label} is named ${name} here but ${names[label]} before`);
    names[label] = name;
    byImage.set(r.get('image'), label);
  }
  const labels = images.map((im) => {
    const label = byImage.get(im.image);
    if (label === undefined) throw new Error(`loadBroden: ${file} has no label for ${im.image}`);
    return label;
  });
  return { labels, names: Array.from(names, (n) => n ?? '') };
}
