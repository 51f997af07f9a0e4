import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import jpegJs from 'jpeg-js';
import { join } from 'node:path';
import { parseMakeDatasetArgs } from '../src/cli/commands/make-dataset.ts';
import { loadBroden, type Dataset } from '../src/data/broden.ts';
import { BrodenWriter } from '../src/data/broden-writer.ts';
import { CATEGORIES, SHAPES, generateDataset, generateImage, type ConceptImage } from '../src/data/concepts/index.ts';
import { formatCsvRow, parseCsv } from '../src/data/csv.ts';
import { decodeImageNode } from '../src/data/image-node.ts';
import { decodeLabelPng, encodeLabelPng, encodeRgbPng } from '../src/data/png.ts';

const COUNT = 50;
const SEED = 21;
let root: string;
let dir: string;
let dataset: Dataset;
let generated: ConceptImage[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'convsight-broden-'));
  dir = join(root, 'a');
  const start = process.cpuUsage();
  await generateDataset(dir, { count: COUNT, seed: SEED, split: 'val' });
  const used = process.cpuUsage(start);
  console.log(`generateDataset: ${(COUNT / ((used.user + used.system) / 1e6)).toFixed(0)} images per CPU-second written as PNGs and CSVs (${COUNT} images, JIT warm-up included)`);
  dataset = loadBroden(dir);
  generated = Array.from({ length: COUNT }, (_, i) => generateImage(SEED, i));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the generated dataset to damage. */
function copy(name: string): string {
  const target = join(root, name);
  cpSync(dir, target, { recursive: true });
  return target;
}

describe('csv', () => {
  it('writes and reads the quoting of Python csv module', () => {
    expect(formatCsvRow(['a', 1, 'b,c', 'say "hi"', ''])).toBe('a,1,"b,c","say ""hi""",\r\n');
    const text = 'x,y,z\r\n1,"two, three","four\nlines"\n\n5,"""q""",\r\n';
    const table = parseCsv(text, 'test.csv');
    expect(table.header).toEqual(['x', 'y', 'z']);
    expect(table.rows).toEqual([
      { line: 2, fields: ['1', 'two, three', 'four\nlines'] },
      { line: 5, fields: ['5', '"q"', ''] },
    ]);
  });

  it('names the file and line of a malformed row', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow('f.csv line 3: 1 fields where the header has 2 (a,b)');
    expect(() => parseCsv('a,b\n1,"2\n', 'f.csv')).toThrow('f.csv line 2: a quoted field is never closed');
    expect(() => parseCsv('', 'f.csv')).toThrow('f.csv is empty');
  });
});

describe('png', () => {
  it('round-trips pictures and label maps, labels over 255 in the green channel', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const picture = decodeImageNode(encodeRgbPng({ width: 5, height: 3, rgb }));
    expect(picture).toEqual({ width: 5, height: 3, rgb });
    const labels = Int32Array.from([0, 1, 255, 256, 257, 1000, 65535, 7]);
    const png = encodeLabelPng(labels, 4, 2);
    expect(decodeLabelPng(png).labels).toEqual(labels);
    // Broden's encoding: R = label % 256, G = label / 256.
    const raw = decodeImageNode(png).rgb;
    expect(Array.from(raw.subarray(3 * 5, 3 * 6))).toEqual([1000 % 256, 3, 0]);
    expect(() => encodeLabelPng([70000], 1, 1)).toThrow('label 70000 at pixel 0');
    expect(() => decodeLabelPng(Uint8Array.from([1, 2, 3]), 'x.png')).toThrow('x.png is not a readable PNG');
  });
});

describe('generateDataset + loadBroden', () => {
  it("writes the CSV headers of NetDissect's Broden", () => {
    const header = (name: string) => readFileSync(join(dir, name), 'utf8').split('\r\n')[0];
    expect(header('index.csv')).toBe('image,split,ih,iw,sh,sw,color,object,part,scene,texture');
    expect(header('category.csv')).toBe('name,first,last,count,frequency');
    expect(header('label.csv')).toBe('number,name,category,frequency,coverage,syns');
    for (const c of CATEGORIES) expect(header(`c_${c.name}.csv`)).toBe('code,number,name,frequency,coverage');
    expect(header('classes.csv')).toBe('image,label,name');
    expect(readFileSync(join(dir, 'index.csv'), 'utf8').split('\r\n')[1]).toBe(
      `concepts/00000.png,val,64,64,64,64,concepts/00000_color.png,concepts/00000_object.png,concepts/00000_part.png,${generated[0].scene},${generated[0].texture}`,
    );
    expect(readdirSync(join(dir, 'images', 'concepts'))).toHaveLength(4 * COUNT);
  });

  it('reads back categories, labels and codes as written', () => {
    expect(dataset.categories.map((c) => [c.name, c.first, c.last, c.count])).toEqual(CATEGORIES.map((c) => [c.name, c.first, c.first + c.labels.length - 1, c.labels.length]));
    const object = CATEGORIES.find((c) => c.name === 'object')!;
    expect(dataset.labels.get(object.first)).toMatchObject({ number: object.first, name: 'circle', category: 'object', syns: [] });
    expect(dataset.codes.object.map((c) => [c.code, c.number, c.name])).toEqual(object.labels.map((name, k) => [k + 1, object.first + k, name]));
    expect(dataset.images).toHaveLength(COUNT);
    expect(dataset.images[3]).toMatchObject({ image: 'concepts/00003.png', path: join(dir, 'images', 'concepts/00003.png'), split: 'val', ih: 64, iw: 64, sh: 64, sw: 64 });
    expect(dataset.images[3].masks.part).toEqual([join(dir, 'images', 'concepts/00003_part.png')]);
    expect(dataset.classNames).toEqual([...SHAPES]);
    expect(dataset.classLabels).toEqual(generated.map((g) => g.classIndex));
  });

  it('every picture and mask matches what the generator produced', () => {
    for (let i = 0; i < COUNT; i++) {
      const g = generated[i];
      expect(Buffer.from(dataset.loadImage(i).rgb).equals(Buffer.from(g.rgb))).toBe(true);
      for (const category of ['color', 'object', 'part'] as const) {
        const masks = dataset.loadLabelMasks(i, category);
        expect(masks).toHaveLength(1);
        expect(masks[0]).toEqual(Int32Array.from(g[category]));
      }
      expect(dataset.images[i].wholeImage).toEqual({ scene: [g.scene], texture: [g.texture] });
      const [texture] = dataset.loadLabelMasks(i, 'texture');
      expect(texture.every((v) => v === g.texture)).toBe(true);
      // The object masks cover exactly the pixels the objects show, and parts lie inside them.
      const object = dataset.loadLabelMasks(i, 'object')[0];
      const part = dataset.loadLabelMasks(i, 'part')[0];
      expect(object.filter((v) => v !== 0).length).toBe(g.objects.reduce((s, o) => s + o.visible, 0));
      expect(part.every((v, k) => v === 0 || object[k] !== 0)).toBe(true);
    }
  });

  it('label statistics agree with the masks', () => {
    const frequency = new Map<number, number>();
    const coverage = new Map<number, number>();
    for (let i = 0; i < COUNT; i++) {
      for (const c of dataset.categories) {
        for (const mask of dataset.loadLabelMasks(i, c.name)) {
          const counts = new Map<number, number>();
          for (const v of mask) if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
          for (const [l, n] of counts) {
            frequency.set(l, (frequency.get(l) ?? 0) + 1);
            coverage.set(l, (coverage.get(l) ?? 0) + n / mask.length);
          }
        }
      }
    }
    for (const [number, label] of dataset.labels) {
      expect(label.frequency, label.name).toBe(frequency.get(number) ?? 0);
      expect(label.categories).toEqual({ [label.category]: label.frequency });
      expect(label.coverage).toBeCloseTo(coverage.get(number) ?? 0, 5);
    }
    for (const c of dataset.categories) expect(c.frequency).toBe(dataset.codes[c.name].reduce((s, code) => s + code.frequency, 0));
    expect(dataset.categories.find((c) => c.name === 'scene')!.frequency).toBe(COUNT);
  });

  it('is deterministic: the same seed gives the same bytes, another seed others', async () => {
    const again = join(root, 'again');
    const other = join(root, 'other');
    await generateDataset(again, { count: COUNT, seed: SEED, split: 'val' });
    await generateDataset(other, { count: COUNT, seed: SEED + 1, split: 'val' });
    const files = (d: string) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length));
    expect(files(again).sort()).toEqual(files(dir).sort());
    for (const f of files(dir)) expect(readFileSync(join(again, f)).equals(readFileSync(join(dir, f))), f).toBe(true);
    expect(readFileSync(join(other, 'images/concepts/00000.png')).equals(readFileSync(join(dir, 'images/concepts/00000.png')))).toBe(false);
  });

  it('regenerates over a dataset, and refuses to write into an unrelated directory', async () => {
    const target = copy('regen');
    await generateDataset(target, { count: 3, seed: 1 });
    expect(readdirSync(join(target, 'images', 'concepts'))).toHaveLength(12);
    expect(loadBroden(target).images).toHaveLength(3);
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    await expect(generateDataset(busy, { count: 1 })).rejects.toThrow(`generateDataset: ${busy} is not empty and holds no concept dataset`);
    // Not even a Broden dataset of someone else's.
    writeFileSync(join(busy, 'index.csv'), 'image,split,ih,iw,sh,sw\r\n');
    await expect(generateDataset(busy, { count: 1 })).rejects.toThrow('holds no concept dataset');
    await expect(generateDataset(join(root, 'x'), { count: 0 })).rejects.toThrow('count must be a positive integer, got 0');
    await expect(generateDataset(join(root, 'x'), { count: 1, size: 8 })).rejects.toThrow('size must be an integer in [16, 1024], got 8');
  });
});

describe('loadBroden errors', () => {
  const edit = (d: string, file: string, change: (lines: string[]) => void) => {
    const lines = readFileSync(join(d, file), 'utf8').split('\r\n');
    change(lines);
    writeFileSync(join(d, file), lines.join('\r\n'));
  };

  it('a corrupt index.csv: names the file and the line', () => {
    const d = copy('corrupt');
    const index = join(d, 'index.csv');
    edit(d, 'index.csv', (lines) => (lines[4] = lines[4].split(',').slice(0, 8).join(',')));
    expect(() => loadBroden(d)).toThrow(`loadBroden: ${index} line 5: 8 fields where the header has 11`);
    cpSync(join(dir, 'index.csv'), index);
    edit(d, 'index.csv', (lines) => (lines[2] = lines[2].replace(',64,64,64,64,', ',64,big,64,64,')));
    expect(() => loadBroden(d)).toThrow(`loadBroden: ${index} line 3: iw must be an integer >= 1, got 'big'`);
    cpSync(join(dir, 'index.csv'), index);
    edit(d, 'index.csv', (lines) => (lines[0] = lines[0].replace('image,split', 'picture,split')));
    expect(() => loadBroden(d)).toThrow(`${index} line 1: missing column(s) image`);
    cpSync(join(dir, 'index.csv'), index);
    edit(d, 'index.csv', (lines) => (lines[0] = lines[0].replace(',texture', ',material')));
    // A column category.csv does not list is skipped with a warning, as NetDissect's loader does.
    const warnings: string[] = [];
    const partial = loadBroden(d, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`loadBroden: ${index}: column 'material' is not a category of category.csv; ignored`]);
    expect(partial.images).toHaveLength(COUNT);
    expect(partial.images[0].wholeImage.texture).toBeUndefined();
    expect(partial.loadLabelMasks(0, 'texture')).toEqual([]);
    expect(partial.loadLabelMasks(0, 'scene')).toEqual(dataset.loadLabelMasks(0, 'scene'));
    cpSync(join(dir, 'index.csv'), index);
    edit(d, 'index.csv', (lines) => (lines[6] = lines[6].replace(/,\d+$/, ',999')));
    expect(() => loadBroden(d)).toThrow(`${index} line 7: label 999 in column texture is not in label.csv`);
  });

  it('empty cells and label 0 mean no label', () => {
    const d = copy('empty-cells');
    // Image 2 loses its part mask (empty cell) and its scene label (0).
    edit(d, 'index.csv', (lines) => {
      const header = lines[0].split(',');
      const fields = lines[3].split(',');
      fields[header.indexOf('part')] = '';
      fields[header.indexOf('scene')] = '0';
      lines[3] = fields.join(',');
    });
    const edited = loadBroden(d);
    expect(edited.loadLabelMasks(2, 'part')).toEqual([]);
    expect(edited.loadLabelMasks(2, 'scene')).toEqual([]);
    expect(edited.images[2].wholeImage.scene).toBeUndefined();
    expect(edited.loadLabelMasks(2, 'color')).toEqual(dataset.loadLabelMasks(2, 'color'));
  });

  it('a corrupt label.csv or a missing file', () => {
    const d = copy('labels');
    edit(d, 'label.csv', (lines) => (lines[3] = lines[3].replace('color(', 'color[')));
    expect(() => loadBroden(d)).toThrow(`${join(d, 'label.csv')} line 4: category must be 'name(count)' pairs`);
    rmSync(join(d, 'c_part.csv'));
    rmSync(join(d, 'label.csv'));
    expect(() => loadBroden(d)).toThrow(`loadBroden: missing file ${join(d, 'label.csv')}`);
    cpSync(join(dir, 'label.csv'), join(d, 'label.csv'));
    expect(() => loadBroden(d)).toThrow(`loadBroden: missing file ${join(d, 'c_part.csv')}`);
    expect(() => loadBroden(join(root, 'nowhere'))).toThrow('missing file');
  });

  it('a missing mask or picture: named when it is loaded', () => {
    const d = copy('masks');
    const mask = join(d, 'images', 'concepts', '00007_part.png');
    rmSync(mask);
    rmSync(join(d, 'images', 'concepts', '00002.png'));
    const broken = loadBroden(d);
    expect(() => broken.loadLabelMasks(7, 'part')).toThrow(`loadBroden: missing file ${mask} (the part mask of image 7, ${join(d, 'index.csv')} line 9)`);
    expect(broken.loadLabelMasks(7, 'object')).toHaveLength(1);
    expect(() => broken.loadImage(2)).toThrow(`missing file ${join(d, 'images', 'concepts', '00002.png')} (the picture of image 2`);
    expect(() => broken.loadLabelMasks(0, 'material')).toThrow('loadLabelMasks: unknown category material (categories: color, object, part, scene, texture)');
    expect(() => broken.loadImage(COUNT)).toThrow(`loadImage: image index ${COUNT} is out of range [0, ${COUNT})`);
    writeFileSync(join(d, 'images', 'concepts', '00003.png'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    expect(() => broken.loadImage(3)).toThrow('is a damaged JPEG image');
    const withDecoder = loadBroden(d, { decodeImage: () => ({ width: 64, height: 64, rgb: new Uint8Array(64 * 64 * 3) }) });
    expect(withDecoder.loadImage(3).width).toBe(64);
    // The real Broden's pictures are JPEGs (whatever their names): decoded by default.
    const jpeg = jpegJs.encode({ width: 64, height: 64, data: Buffer.alloc(64 * 64 * 4, 200) }, 90).data;
    writeFileSync(join(d, 'images', 'concepts', '00005.png'), jpeg);
    const picture = broken.loadImage(5);
    expect(picture.width).toBe(64);
    expect(Math.abs(picture.rgb[100] - 200)).toBeLessThan(3);
    // A mask of the wrong size.
    writeFileSync(join(d, 'images', 'concepts', '00004_color.png'), encodeLabelPng(new Uint16Array(4), 2, 2));
    expect(() => broken.loadLabelMasks(4, 'color')).toThrow('is 2x2 but index.csv says sw=64, sh=64');
  });

  it('classes.csv: optional, but complete when present', () => {
    const d = copy('classes');
    edit(d, 'classes.csv', (lines) => lines.splice(5, 1));
    expect(() => loadBroden(d)).toThrow(`loadBroden: ${join(d, 'classes.csv')} has no label for concepts/00004.png`);
    rmSync(join(d, 'classes.csv'));
    const plain = loadBroden(d);
    expect(plain.classLabels).toBeNull();
    expect(plain.classNames).toBeNull();
  });
});

describe('BrodenWriter', () => {
  it('numbers whole-image labels, omits zeros, and rejects a label outside its category', () => {
    const d = join(root, 'writer');
    const writer = new BrodenWriter(d, [
      { name: 'object', labels: ['dog', 'cat'], first: 1 },
      { name: 'scene', labels: ['park-s'], first: 3 },
    ]);
    writer.add({ image: 'x/1.png', split: 'train', width: 2, height: 1, rgb: new Uint8Array(6), masks: { object: [2, 0] }, wholeImage: { scene: [3, 0] } });
    expect(() => writer.add({ image: 'x/2.png', split: 'train', width: 2, height: 1, rgb: new Uint8Array(6), masks: { object: [3, 0] }, wholeImage: {} })).toThrow(
      'BrodenWriter: x/2.png uses label 3 in category object, which does not hold it',
    );
    writer.finish();
    expect(readFileSync(join(d, 'index.csv'), 'utf8')).toBe('image,split,ih,iw,sh,sw,object,scene\r\nx/1.png,train,1,2,1,2,x/1_object.png,3\r\n');
    expect(readFileSync(join(d, 'label.csv'), 'utf8')).toBe(
      'number,name,category,frequency,coverage,syns\r\n1,dog,object(0),0,0.000000,\r\n2,cat,object(1),1,0.500000,\r\n3,park-s,scene(1),1,1.000000,\r\n',
    );
    expect(readFileSync(join(d, 'category.csv'), 'utf8')).toBe('name,first,last,count,frequency\r\nobject,1,2,2,1\r\nscene,3,3,1,1\r\n');
    expect(readFileSync(join(d, 'c_object.csv'), 'utf8')).toBe('code,number,name,frequency,coverage\r\n1,1,dog,0,0.000000\r\n2,2,cat,1,0.500000\r\n');
    const read = loadBroden(d);
    expect(read.loadLabelMasks(0, 'object')).toEqual([Int32Array.from([2, 0])]);
    expect(read.loadLabelMasks(0, 'scene')).toEqual([Int32Array.from([3, 3])]);
    expect(read.classLabels).toBeNull();
  });
});

describe('make-dataset arguments', () => {
  it('parses flags and rejects bad ones', () => {
    expect(parseMakeDatasetArgs(['--out', 'd', '--count', '20', '--seed', '0', '--size', '32'])).toEqual({ out: 'd', count: 20, seed: 0, size: 32, split: 'train' });
    expect(() => parseMakeDatasetArgs(['--count', '20'])).toThrow('make-dataset: --out is required');
    expect(() => parseMakeDatasetArgs(['--out', 'd', '--count', 'many'])).toThrow("make-dataset: --count must be a positive integer, got 'many'");
    expect(() => parseMakeDatasetArgs(['--out', 'd', '--seed', '1.5'])).toThrow("make-dataset: --seed must be an integer in [0, 2^32), got '1.5'");
    expect(() => parseMakeDatasetArgs(['--out', 'd', '--colour', 'red'])).toThrow(/make-dataset: Unknown option '--colour'/);
  });
});
