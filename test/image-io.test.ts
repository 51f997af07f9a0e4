// Images in and out: decoding (PNG, JPEG, not-an-image), antialiased resizing, fitting to a model's
// input, preprocessing and its inverse.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as jpeg from 'jpeg-js';
import {
  decodeImage,
  decodeImageNode,
  detectImageFormat,
  encodePng,
  fitImage,
  imageToTensor,
  preprocessImage,
  readImageFile,
  resizeRgb,
  rgbToRgba,
  tensorToImage,
  type RgbImage,
} from '../src/data/image.ts';
import { PREPROCESSING_PRESETS, type ModelSpec, type Preprocessing } from '../src/models/spec.ts';
import { expectClose, getEngine } from './helpers/engine.ts';

const chelseaPath = new URL('../../shared/images/chelsea.png', import.meta.url);
const preset = (p: keyof typeof PREPROCESSING_PRESETS) => ({ ...PREPROCESSING_PRESETS[p], mean: [...PREPROCESSING_PRESETS[p].mean], std: [...PREPROCESSING_PRESETS[p].std] }) as Preprocessing;
const input = (shape: [number, number, number], p: Preprocessing): ModelSpec['input'] => ({ name: 'x', shape, preprocessing: p });
const image = (width: number, height: number, values: number[]): RgbImage => ({ width, height, rgb: Uint8Array.from(values) });

describe('decoding', () => {
  it('tells formats by their magic bytes', () => {
    expect(detectImageFormat(readFileSync(chelseaPath))).toBe('png');
    expect(detectImageFormat(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))).toBe('jpeg');
    expect(detectImageFormat(new TextEncoder().encode('GIF89a...'))).toBe('gif');
    expect(detectImageFormat(new TextEncoder().encode('RIFF1234WEBPVP8 '))).toBe('webp');
    expect(detectImageFormat(new TextEncoder().encode('hello'))).toBeUndefined();
  });

  it('decodes the sample PNG, and a PNG we encode round-trips exactly', async () => {
    const cat = await readImageFile(chelseaPath.pathname);
    expect([cat.width, cat.height, cat.rgb.length]).toEqual([451, 300, 451 * 300 * 3]);
    const small = image(3, 2, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const png = encodePng(rgbToRgba(small).data, 3, 2);
    expect(detectImageFormat(png)).toBe('png');
    const back = decodeImageNode(png, 'small.png');
    expect(back).toEqual(small);
    expect(await decodeImage(png.slice().buffer)).toEqual(small);
  });

  it('decodes a JPEG (made with jpeg-js at full quality)', () => {
    const w = 16;
    const h = 8;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([200, 100, 50, 255], i * 4);
    const file = jpeg.encode({ data: rgba, width: w, height: h }, 100).data;
    const img = decodeImageNode(new Uint8Array(file), 'flat.jpg');
    expect([img.width, img.height]).toEqual([w, h]);
    for (let i = 0; i < img.rgb.length; i += 3) {
      expect(Math.abs(img.rgb[i] - 200)).toBeLessThanOrEqual(2);
      expect(Math.abs(img.rgb[i + 1] - 100)).toBeLessThanOrEqual(2);
      expect(Math.abs(img.rgb[i + 2] - 50)).toBeLessThanOrEqual(2);
    }
  });

  it('rejects an image that is not an image, naming the file', async () => {
    expect(() => decodeImageNode(new TextEncoder().encode('name,label\ncat,1\n'), 'labels.csv')).toThrow(
      "'labels.csv' is not an image: it starts with bytes 6e 61 6d 65 2c 6c 61 62 (supported: PNG and JPEG)",
    );
    expect(() => decodeImageNode(new Uint8Array(0), 'empty.png')).toThrow("'empty.png' is not an image: it is empty (supported: PNG and JPEG)");
    expect(() => decodeImageNode(new TextEncoder().encode('GIF89a....'), 'anim.gif')).toThrow("'anim.gif' is a GIF image; in Node only PNG and JPEG can be decoded");
    const cut = readFileSync(chelseaPath).subarray(0, 5000);
    expect(() => decodeImageNode(cut, 'cut.png')).toThrow(/^'cut\.png' is a damaged PNG image: /);
    await expect(readImageFile('/nonexistent/cat.png')).rejects.toThrow("cannot read image '/nonexistent/cat.png': no such file");
  });
});

describe('resizing', () => {
  it('hand-worked: shrinking 4x1 -> 2x1 averages pairs, 2x1 -> 1x1 averages all', () => {
    // Each output pixel covers two input pixels; the widened triangle (half-width 2) gives the
    // centres 0.5 and 1.5 pixels away weights 3/4 and 1/4, so the output is (3a + 3b + c) / 7 ...
    // for pixel 0: inputs at distances 0.5, 0.5, 1.5 (and 2.5, outside the support) -> 3:3:1.
    const row = image(4, 1, [0, 0, 0, 70, 70, 70, 140, 140, 140, 210, 210, 210]);
    const half = resizeRgb(row, 2, 1);
    expect(Array.from(half.rgb)).toEqual([Math.round((3 * 0 + 3 * 70 + 140) / 7), Math.round((3 * 0 + 3 * 70 + 140) / 7), Math.round((3 * 0 + 3 * 70 + 140) / 7), Math.round((70 + 3 * 140 + 3 * 210) / 7), Math.round((70 + 3 * 140 + 3 * 210) / 7), Math.round((70 + 3 * 140 + 3 * 210) / 7)]);
    const two = image(2, 1, [10, 20, 30, 50, 60, 70]);
    expect(Array.from(resizeRgb(two, 1, 1).rgb)).toEqual([30, 40, 50]);
  });

  it('hand-worked: enlarging 2x1 -> 4x1 is bilinear between pixel centres, clamped at the edges', () => {
    const two = image(2, 1, [0, 0, 0, 100, 100, 100]);
    // Output centres at input x = 0.25, 0.75, 1.25, 1.75 (pixel centres at 0.5 and 1.5).
    expect(Array.from(resizeRgb(two, 4, 1).rgb.filter((_, i) => i % 3 === 0))).toEqual([0, 25, 75, 100]);
  });

  it('keeps an image unchanged at the same size, and a flat image flat at any size', () => {
    const cat = decodeImageNode(readFileSync(chelseaPath));
    expect(Buffer.compare(resizeRgb(cat, cat.width, cat.height).rgb, cat.rgb)).toBe(0);
    const flat = image(5, 3, new Array(45).fill(0).map((_, i) => [12, 34, 56][i % 3]));
    for (const [w, h] of [[2, 7], [11, 1], [1, 1]]) {
      const out = resizeRgb(flat, w, h);
      expect(Array.from(out.rgb)).toEqual(new Array(w * h * 3).fill(0).map((_, i) => [12, 34, 56][i % 3]));
    }
  });

  it('antialiases: a 1-pixel checkerboard shrunk by 4 is uniform grey, not aliased', () => {
    const n = 16;
    const values: number[] = [];
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) values.push(...new Array(3).fill((x + y) % 2 ? 255 : 0));
    const out = resizeRgb(image(n, n, values), 4, 4);
    for (const v of out.rgb) expect(Math.abs(v - 127.5)).toBeLessThan(12);
  });

  it('fits to a model input: centre crop of the shorter side (cropFraction), or stretch', () => {
    // A 6x2 image whose middle 2x2 is white: a square crop of the shorter side (fraction 1) sees only white.
    const values: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 6; x++) values.push(...new Array(3).fill(x === 2 || x === 3 ? 255 : 0));
    const wide = image(6, 2, values);
    expect(Array.from(fitImage(wide, 2, 2, { cropFraction: 1 }).rgb)).toEqual(new Array(12).fill(255));
    const stretched = fitImage(wide, 2, 2, { fit: 'stretch' });
    expect(stretched.rgb[0]).toBeLessThan(128); // the left third is black
    const cat = decodeImageNode(readFileSync(chelseaPath));
    const fitted = fitImage(cat, 224, 224);
    expect([fitted.width, fitted.height]).toEqual([224, 224]);
    expect(() => fitImage(cat, 224, 224, { cropFraction: 0 })).toThrow('fitImage: cropFraction must be in (0, 1], got 0');
  });
});

describe('preprocessing', () => {
  const pixel = image(1, 1, [255, 128, 0]);

  it('hand-worked: ImageNet (RGB, [0,1], mean/std) and Caffe (BGR, [0,255], mean) presets', () => {
    const imagenet = preprocessImage(pixel, input([3, 1, 1], preset('imagenet')));
    expectClose(imagenet, [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225], { label: 'imagenet' });
    const caffe = preprocessImage(pixel, input([3, 1, 1], preset('caffe')));
    expectClose(caffe, [0 - 103.939, 128 - 116.779, 255 - 123.68], { label: 'caffe' });
    const symmetric = preprocessImage(pixel, input([3, 1, 1], preset('symmetric')));
    expectClose(symmetric, [1, 128 / 127.5 - 1, -1], { label: 'symmetric' });
    const grey = preprocessImage(pixel, input([1, 1, 1], { channelOrder: 'RGB', range: 255, mean: [0], std: [1] }));
    expectClose(grey, [0.299 * 255 + 0.587 * 128], { label: 'grey' });
  });

  it('is planar (NCHW) and inverted by tensorToImage for every preset', () => {
    const img = image(3, 2, [1, 2, 3, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 250, 251, 252]);
    for (const name of ['imagenet', 'caffe', 'symmetric'] as const) {
      const p = preset(name);
      const data = preprocessImage(img, input([3, 2, 3], p));
      const channel0 = name === 'caffe' ? 2 : 0; // Caffe's first plane is blue
      expect(data[1]).toBeCloseTo(((img.rgb[3 + channel0] / 255) * p.range - p.mean[0]) / p.std[0], 4);
      const back = tensorToImage(data, [1, 3, 2, 3], p);
      expect([back.width, back.height]).toEqual([3, 2]);
      expect(Array.from(back.data)).toEqual(Array.from(rgbToRgba(img).data));
    }
  });

  it('tensorToImage clamps out-of-range values and picks an image of the batch', () => {
    const p: Preprocessing = { channelOrder: 'RGB', range: 1, mean: [0], std: [1] };
    const out = tensorToImage(Float32Array.of(9, 9, 9, -3, 0.5, 2), [2, 3, 1, 1], p, 1);
    expect(Array.from(out.data)).toEqual([0, 128, 255, 255]);
    expect(() => tensorToImage(new Float32Array(3), [1, 3, 1, 1], p, 1)).toThrow('tensorToImage: image 1 of a batch of 1');
    expect(() => tensorToImage(new Float32Array(3), [3, 1, 1], p)).toThrow('tensorToImage: expects an NCHW shape, got [3, 1, 1]');
  });

  it('imageToTensor fits, preprocesses and uploads [1, C, H, W]', async () => {
    const engine = await getEngine();
    const cat = decodeImageNode(readFileSync(chelseaPath));
    const spec = input([3, 32, 48], preset('imagenet'));
    const t = imageToTensor(engine, cat.rgb, cat.width, cat.height, spec);
    expect(t.shape).toEqual([1, 3, 32, 48]);
    expectClose(await t.readFloat(), preprocessImage(fitImage(cat, 48, 32), spec), { label: 'imageToTensor' });
    t.dispose();
    expect(() => imageToTensor(engine, cat.rgb, 10, 10, spec)).toThrow(`imageToTensor: ${cat.rgb.length} bytes do not make a 10x10 RGB image`);
  });
});
