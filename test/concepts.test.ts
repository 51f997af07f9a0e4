import { describe, expect, it } from 'vitest';
import { CATEGORIES, COLORS, LABEL_COUNT, SCENES, SHAPES, TEXTURES, colorLabel, generateImage, objectLabel, partLabel, sceneLabel, textureLabel, type ConceptImage } from '../src/data/concepts/index.ts';
import { Random, hashSeed } from '../src/data/concepts/random.ts';
import { cornerRadius, edgeWidth, renderBackground, renderObjects, type SceneObject } from '../src/data/concepts/render.ts';
import { polygonDistance, shapeGeometry, type ShapeSpec } from '../src/data/concepts/shapes.ts';
import { makeTexture } from '../src/data/concepts/textures.ts';

const spec = (shape: ShapeSpec['shape'], extra: Partial<ShapeSpec> = {}): ShapeSpec => ({ shape, cx: 0, cy: 0, radius: 10, rotation: 0, variation: 0.5, ...extra });

describe('vocabulary', () => {
  it('numbers labels 1.. consecutively, category by category, with unique names', () => {
    let next = 1;
    for (const c of CATEGORIES) {
      expect(c.first).toBe(next);
      next += c.labels.length;
    }
    expect(LABEL_COUNT).toBe(next);
    const names = CATEGORIES.flatMap((c) => c.labels);
    expect(new Set(names).size).toBe(names.length);
    expect(CATEGORIES.map((c) => c.name)).toEqual(['color', 'object', 'part', 'scene', 'texture']);
    expect(SHAPES.length).toBeGreaterThanOrEqual(6);
    expect(COLORS.length).toBeGreaterThanOrEqual(8);
    expect(colorLabel(0)).toBe(1);
    expect(objectLabel(0)).toBe(1 + COLORS.length);
    expect(textureLabel(TEXTURES.length - 1)).toBe(LABEL_COUNT - 1);
    expect(names[colorLabel(0) - 1]).toBe('red-c');
    expect(names[sceneLabel(0) - 1]).toBe('single-s');
  });
});

describe('random', () => {
  it('is deterministic per seed, and its normal() has about unit variance', () => {
    const a = new Random(hashSeed(5, 7));
    const b = new Random(hashSeed(5, 7));
    const xs = Array.from({ length: 20000 }, () => a.normal());
    expect(Array.from({ length: 20000 }, () => b.normal())).toEqual(xs);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(hashSeed(5, 7)).not.toBe(hashSeed(5, 8));
    expect(hashSeed(5, 7)).not.toBe(hashSeed(6, 7));
  });
});

describe('shapes', () => {
  it('signed distances worked by hand', () => {
    const circle = shapeGeometry(spec('circle', { cx: 10, cy: 10, radius: 5 }));
    expect(circle.distance(10, 10)).toBeCloseTo(-5, 12);
    expect(circle.distance(18, 10)).toBeCloseTo(3, 12);
    // ring: variation 0 gives an inner radius of 0.45 * 10 = 4.5
    const ring = shapeGeometry(spec('ring', { variation: 0 }));
    expect(ring.distance(0, 0)).toBeCloseTo(4.5, 12);
    expect(ring.distance(7, 0)).toBeCloseTo(-2.5, 12);
    expect(ring.distance(0, 12)).toBeCloseTo(2, 12);
    // A square of circumradius 10 turned by 45 degrees is axis-aligned with half-side 10 / sqrt(2).
    const half = 10 / Math.SQRT2;
    const square = shapeGeometry(spec('square', { rotation: Math.PI / 4 }));
    expect(square.distance(0, 0)).toBeCloseTo(-half, 12);
    expect(square.distance(half + 2, 0)).toBeCloseTo(2, 12);
    expect(square.distance(half + 3, half + 4)).toBeCloseTo(5, 12);
    // An L-shaped (non-convex) polygon: the notch is outside.
    const xs = Float64Array.from([0, 2, 2, 1, 1, 0]);
    const ys = Float64Array.from([0, 0, 1, 1, 2, 2]);
    expect(polygonDistance(xs, ys, 0.5, 0.5)).toBeCloseTo(-0.5, 12);
    expect(polygonDistance(xs, ys, 1.5, 1.5)).toBeCloseTo(0.5, 12);
    expect(polygonDistance(xs, ys, 0.5, 1.75)).toBeCloseTo(-0.25, 12);
    expect(polygonDistance(xs, ys, 3, 0.5)).toBeCloseTo(1, 12);
  });

  it('corners are the convex vertices, on the outline', () => {
    const count = (s: ShapeSpec['shape']) => shapeGeometry(spec(s, { rotation: 0.3 })).corners.length;
    expect([count('circle'), count('ring'), count('triangle'), count('square'), count('hexagon'), count('star'), count('cross'), count('crescent')]).toEqual([0, 0, 3, 4, 6, 5, 8, 2]);
    for (const shape of SHAPES) {
      const g = shapeGeometry(spec(shape, { cx: 3, cy: -2, rotation: 1.1 }));
      for (const [x, y] of g.corners) expect(Math.abs(g.distance(x, y))).toBeLessThan(1e-9);
    }
  });

  it('every shape is inside its circumradius and has its centre region drawn sensibly', () => {
    for (const shape of SHAPES) {
      const g = shapeGeometry(spec(shape, { rotation: 0.7, variation: 0.3 }));
      for (let a = 0; a < 2 * Math.PI; a += 0.1) expect(g.distance(10.01 * Math.cos(a), 10.01 * Math.sin(a))).toBeGreaterThan(0);
      const insideAtCentre = g.distance(0, 0) < 0;
      expect(insideAtCentre).toBe(!['ring', 'crescent'].includes(shape));
    }
  });
});

describe('rendering', () => {
  const square = (cx: number): SceneObject => ({
    spec: { shape: 'square', cx, cy: 8, radius: 4 * Math.SQRT2, rotation: Math.PI / 4, variation: 0 },
    color: 0,
    rgb: [200, 100, 0],
    light: { lx: 1, ly: 0, amount: 0 },
  });
  const grey = { coverage: () => 0, colors: [10, 10] as [number, number], rgb: [[100, 100, 100], [100, 100, 100]] as [readonly [number, number, number], readonly [number, number, number]] };

  it('an axis-aligned square: object, colour and part masks worked by hand', () => {
    const canvas = renderBackground(grey, 16);
    const [stats] = renderObjects(canvas, [square(8)]);
    // Side 8 from x, y = 4 to 12: pixels 4..11 in both directions.
    expect(stats).toEqual({ drawn: 64, visible: 64 });
    expect(edgeWidth(16)).toBe(1.5);
    expect(cornerRadius(4 * Math.SQRT2)).toBe(2);
    const corner = partLabel(1);
    const edge = partLabel(0);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const i = y * 16 + x;
        const inside = x >= 4 && x <= 11 && y >= 4 && y <= 11;
        expect(canvas.object[i]).toBe(inside ? objectLabel(SHAPES.indexOf('square')) : 0);
        expect(canvas.color[i]).toBe(inside ? colorLabel(0) : colorLabel(10));
        // Corners: the three pixel centres within 2 px of each vertex; edge: the rest of the outer ring.
        const ring = inside && (x === 4 || x === 11 || y === 4 || y === 11);
        const nearVertex = (Math.min(x - 4, 11 - x) === 0 && Math.min(y - 4, 11 - y) <= 1) || (Math.min(y - 4, 11 - y) === 0 && Math.min(x - 4, 11 - x) <= 1);
        expect(canvas.part[i]).toBe(inside && nearVertex ? corner : ring ? edge : 0);
        expect(Array.from(canvas.rgb.subarray(3 * i, 3 * i + 3))).toEqual(inside ? [200, 100, 0] : [100, 100, 100]);
      }
    }
  });

  it('anti-aliases an edge through a pixel centre, and the front object owns the overlap', () => {
    const canvas = renderBackground(grey, 16);
    const back = { ...square(8.5), color: 1, rgb: [0, 0, 0] as const };
    const front = { ...square(13), color: 2 };
    const [b, f] = renderObjects(canvas, [back, front]);
    // The back square's left edge passes through the centres of column 4: half covered, and owned.
    const i = 8 * 16 + 4;
    expect(Array.from(canvas.rgb.subarray(3 * i, 3 * i + 3))).toEqual([50, 50, 50]);
    expect(canvas.color[i]).toBe(colorLabel(1));
    // The front square covers x in [9, 17): columns 9..15 of the back square's 4..12 are hidden.
    expect(b.drawn).toBe(9 * 8);
    expect(b.visible).toBe(5 * 8);
    expect(f).toEqual({ drawn: 7 * 8, visible: 7 * 8 });
    expect(canvas.color[8 * 16 + 10]).toBe(colorLabel(2));
  });

  it('textures: two colours, stripes along the right axis', () => {
    for (const name of TEXTURES) {
      const cov = makeTexture(name, new Random(3), 64);
      const values = Array.from({ length: 64 * 64 }, (_, i) => cov((i % 64) + 0.5, Math.floor(i / 64) + 0.5));
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      const second = values.filter((v) => v >= 0.5).length / values.length;
      if (name === 'plain') expect(second).toBe(0);
      else expect(second, name).toBeGreaterThan(0.05);
    }
    // Changes of colour along rows (x) and along columns (y).
    const changes = (name: 'striped-horizontal' | 'striped-vertical') => {
      const cov = makeTexture(name, new Random(4), 64);
      let alongX = 0;
      let alongY = 0;
      for (let a = 0; a < 64; a++) {
        for (let b = 1; b < 64; b++) {
          alongX += Number(cov(b + 0.5, a + 0.5) >= 0.5 !== cov(b - 0.5, a + 0.5) >= 0.5);
          alongY += Number(cov(a + 0.5, b + 0.5) >= 0.5 !== cov(a + 0.5, b - 0.5) >= 0.5);
        }
      }
      return { alongX, alongY };
    };
    const h = changes('striped-horizontal');
    const v = changes('striped-vertical');
    expect(h.alongY).toBeGreaterThan(4 * h.alongX);
    expect(v.alongX).toBeGreaterThan(4 * v.alongY);
  });
});

describe('generateImage', () => {
  const images: ConceptImage[] = Array.from({ length: 300 }, (_, i) => generateImage(11, i));

  it('is a pure function of (seed, index, size)', () => {
    const again = generateImage(11, 17);
    expect(Buffer.from(again.rgb).equals(Buffer.from(images[17].rgb))).toBe(true);
    expect(Array.from(again.part)).toEqual(Array.from(images[17].part));
    expect(Buffer.from(generateImage(12, 17).rgb).equals(Buffer.from(images[17].rgb))).toBe(false);
    const big = generateImage(11, 17, 96);
    expect(big.rgb.length).toBe(96 * 96 * 3);
    expect(big.object.length).toBe(96 * 96);
  });

  it('labels agree with the objects drawn, and the class is the clearly largest object', () => {
    for (const im of images) {
      const n = im.size * im.size;
      // Each object class's mask area is the sum of the visible pixels of the objects of that class.
      const area = new Map<number, number>();
      for (const o of im.objects) area.set(objectLabel(SHAPES.indexOf(o.spec.shape)), (area.get(objectLabel(SHAPES.indexOf(o.spec.shape))) ?? 0) + o.visible);
      const counted = new Map<number, number>();
      let owned = 0;
      let badColor = 0;
      let partOutside = 0;
      for (let i = 0; i < n; i++) {
        if (im.color[i] < colorLabel(0) || im.color[i] > colorLabel(COLORS.length - 1)) badColor++;
        if (im.object[i] === 0) {
          if (im.part[i] !== 0) partOutside++;
          continue;
        }
        owned++;
        counted.set(im.object[i], (counted.get(im.object[i]) ?? 0) + 1);
      }
      // (Counted, then asserted once: an expect per pixel would make this test slow.)
      expect({ badColor, partOutside }).toEqual({ badColor: 0, partOutside: 0 });
      expect(counted).toEqual(area);
      expect(owned).toBe(im.objects.reduce((s, o) => s + o.visible, 0));
      const visible = im.objects.map((o) => o.visible).sort((a, b) => b - a);
      expect(visible[0]).toBeGreaterThanOrEqual(1.5 * (visible[1] ?? 0));
      expect(im.objects.find((o) => o.visible === visible[0])!.spec.shape).toBe(SHAPES[im.classIndex]);
      expect(im.scene).toBe(sceneLabel(im.objects.length - 1));
      // Objects have distinct colours.
      expect(new Set(im.objects.map((o) => o.color)).size).toBe(im.objects.length);
    }
  });

  it('covers the vocabulary: every shape, colour, texture, object count and part occurs', () => {
    const seen = (pick: (im: ConceptImage) => number[]) => new Set(images.flatMap(pick));
    expect(seen((im) => [im.classIndex]).size).toBe(SHAPES.length);
    expect(seen((im) => Array.from(new Set(im.color))).size).toBe(COLORS.length);
    expect(seen((im) => [im.texture]).size).toBe(TEXTURES.length);
    expect(seen((im) => [im.scene]).size).toBe(SCENES.length);
    expect(seen((im) => Array.from(new Set(im.part))).size).toBe(3); // none, edge, corner
  });

  it('a pixel labelled with a colour looks like that colour', () => {
    // Average the picture over the interior of each (image, colour label) region: jitter, shading and
    // noise move it a little from the palette colour, and never most of the way to another colour.
    let checked = 0;
    for (const im of images.slice(0, 100)) {
      const sums = new Map<number, number[]>();
      for (let y = 1; y < im.size - 1; y++) {
        for (let x = 1; x < im.size - 1; x++) {
          const i = y * im.size + x;
          const l = im.color[i];
          // Skip pixels next to a colour boundary, where anti-aliasing mixes colours.
          if (im.color[i - 1] !== l || im.color[i + 1] !== l || im.color[i - im.size] !== l || im.color[i + im.size] !== l) continue;
          const s = sums.get(l) ?? [0, 0, 0, 0];
          for (let c = 0; c < 3; c++) s[c] += im.rgb[3 * i + c];
          s[3]++;
          sums.set(l, s);
        }
      }
      for (const [l, [r, g, b, count]] of sums) {
        if (count < 20) continue;
        const mean = [r / count, g / count, b / count];
        const distance = (rgb: readonly number[]) => Math.hypot(mean[0] - rgb[0], mean[1] - rgb[1], mean[2] - rgb[2]);
        const own = distance(COLORS[l - colorLabel(0)].rgb);
        // Brightness jitter of up to 20 and hue jitter of up to 8 per channel: at most about 48 away.
        expect(own).toBeLessThan(50);
        for (const other of COLORS) if (other !== COLORS[l - colorLabel(0)]) expect(distance(other.rgb)).toBeGreaterThan(own);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('is fast (reported, not asserted)', () => {
    const start = process.cpuUsage();
    for (let i = 0; i < 200; i++) generateImage(99, i);
    const used = process.cpuUsage(start);
    console.log(`generateImage 64x64: ${(200 / ((used.user + used.system) / 1e6)).toFixed(0)} images per CPU-second`);
  });
});
