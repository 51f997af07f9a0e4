// Samples a random scene (texture, colours, one to three shapes) and renders it into a ConceptImage:
// the picture, its Broden label maps and whole-image labels, and its classification label.

import { Random, hashSeed } from './random.ts';
import { cloneCanvas, quantize, renderBackground, renderObjects, type Background, type SceneObject } from './render.ts';
import type { ShapeSpec } from './shapes.ts';
import { makeTexture } from './textures.ts';
import { COLORS, SHAPES, TEXTURES, sceneLabel, textureLabel, type Rgb } from './vocabulary.ts';

export interface ConceptObject {
  spec: ShapeSpec;
  /** Index into COLORS. */
  color: number;
  /** Pixels inside the outline within the frame, and pixels owned in the finished picture. */
  drawn: number;
  visible: number;
}

export interface ConceptImage {
  size: number;
  /** size x size RGB bytes, row-major, interleaved (HWC). */
  rgb: Uint8Array;
  /** Per-pixel Broden label numbers (0 = none), size x size, row-major. */
  color: Uint16Array;
  object: Uint16Array;
  part: Uint16Array;
  /** Whole-image Broden label numbers. */
  texture: number;
  scene: number;
  /** The classification label: index into SHAPES of the object with the most visible pixels. */
  classIndex: number;
  /** Objects back to front. */
  objects: ConceptObject[];
}

// The main object (the one the classification label names) is large; the others are small, and are
// placed again until the main one shows clearly: at least DOMINANCE times the visible pixels of any
// other, and at least MAIN_VISIBLE of itself unoccluded; each other object shows at least OTHER_VISIBLE.
const MAIN_RADIUS = [0.24, 0.4] as const;
const OTHER_RADIUS = [0.1, 0.2] as const;
const DOMINANCE = 1.5;
const MAIN_VISIBLE = 0.7;
const OTHER_VISIBLE = 0.4;
const PLACEMENT_TRIES = 12;
const BRIGHTNESS_JITTER = 20;
const HUE_JITTER = 8;
const MAX_NOISE = 8;

/** The index-th image of the dataset with this seed: a pure function of (seed, index, size). */
export function generateImage(seed: number, index: number, size = 64): ConceptImage {
  if (!Number.isInteger(size) || size < 16) throw new Error(`generateImage: size must be an integer >= 16, got ${size}`);
  const rng = new Random(hashSeed(seed, index));
  const texture = rng.int(0, TEXTURES.length - 1);
  const background = sampleBackground(rng, texture, size);
  const base = renderBackground(background, size);

  let count = rng.int(1, 3);
  const free = COLORS.map((_, i) => i).filter((i) => !background.colors.includes(i));
  const colors = rng.sample(free, count);
  const mainShape = rng.int(0, SHAPES.length - 1);
  const mainRadius = size * rng.uniform(...MAIN_RADIUS);
  const margin = Math.min(mainRadius, size / 2);
  const main = sampleObject(rng, mainShape, colors[0], mainRadius, rng.uniform(margin, size - margin), rng.uniform(margin, size - margin));
  const depth = rng.int(0, count - 1);

  for (let attempt = 0; ; attempt++) {
    // Too many failed placements: drop one of the other objects.
    if (attempt > 0 && attempt % PLACEMENT_TRIES === 0) count--;
    const others = colors.slice(1, count).map((color) => {
      const radius = size * rng.uniform(...OTHER_RADIUS);
      const lo = radius / 2; // at least about half of it inside the frame
      return sampleObject(rng, rng.int(0, SHAPES.length - 1), color, radius, rng.uniform(lo, size - lo), rng.uniform(lo, size - lo));
    });
    const objects = others.slice();
    objects.splice(Math.min(depth, others.length), 0, main);
    const canvas = cloneCanvas(base);
    const stats = renderObjects(canvas, objects);
    const m = objects.indexOf(main);
    const shown = stats[m];
    const clear =
      shown.visible >= MAIN_VISIBLE * shown.drawn &&
      stats.every((s, k) => k === m || (s.visible > 0 && s.visible >= OTHER_VISIBLE * s.drawn && shown.visible >= DOMINANCE * s.visible));
    if (!clear) continue;
    const noise = rng.uniform(0, MAX_NOISE);
    return {
      size,
      rgb: quantize(canvas, noise, rng),
      color: canvas.color,
      object: canvas.object,
      part: canvas.part,
      texture: textureLabel(texture),
      scene: sceneLabel(objects.length - 1),
      classIndex: SHAPES.indexOf(objects[largest(stats.map((s) => s.visible))].spec.shape),
      objects: objects.map((o, k) => ({ spec: o.spec, color: o.color, ...stats[k] })),
    };
  }
}

function largest(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

/** A named colour, changed a little: mostly in brightness, a little in hue (so that greys stay grey). */
function jitter(rng: Random, color: number): Rgb {
  const brightness = rng.uniform(-BRIGHTNESS_JITTER, BRIGHTNESS_JITTER);
  const channel = (v: number) => Math.min(255, Math.max(0, v + brightness + rng.uniform(-HUE_JITTER, HUE_JITTER)));
  const [r, g, b] = COLORS[color].rgb;
  return [channel(r), channel(g), channel(b)];
}

function sampleBackground(rng: Random, texture: number, size: number): Background {
  const name = TEXTURES[texture];
  // A plain background has one colour; the second is then never painted.
  const [a, b] = name === 'plain' ? [rng.int(0, COLORS.length - 1), -1] : rng.sample(COLORS.map((_, i) => i), 2);
  const rgbA = jitter(rng, a);
  return { coverage: makeTexture(name, rng, size), colors: [a, b < 0 ? a : b], rgb: [rgbA, b < 0 ? rgbA : jitter(rng, b)] };
}

function sampleObject(rng: Random, shape: number, color: number, radius: number, cx: number, cy: number): SceneObject {
  const angle = rng.uniform(0, 2 * Math.PI);
  return {
    spec: { shape: SHAPES[shape], cx, cy, radius, rotation: rng.uniform(0, 2 * Math.PI), variation: rng.next() },
    color,
    rgb: jitter(rng, color),
    light: { lx: Math.cos(angle), ly: Math.sin(angle), amount: rng.uniform(0, 0.18) },
  };
}
