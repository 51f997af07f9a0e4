// Rasterizes a scene: a two-colour textured background, then the objects back to front, each blended
// by its anti-aliased coverage. Alongside the picture it writes the Broden label maps: a pixel belongs
// to the front-most object whose outline contains the pixel's centre (coverage >= 1/2), else to the
// background; its colour, object and part labels are that owner's.

import type { Random } from './random.ts';
import { shapeGeometry, type ShapeSpec } from './shapes.ts';
import type { Coverage } from './textures.ts';
import { SHAPES, colorLabel, objectLabel, partLabel, type Rgb } from './vocabulary.ts';

export interface Background {
  coverage: Coverage;
  /** Indices into COLORS of the first colour and of the second (the pattern's), and their jittered RGB. */
  colors: [number, number];
  rgb: [Rgb, Rgb];
}

export interface SceneObject {
  spec: ShapeSpec;
  /** Index into COLORS, and the jittered RGB actually painted. */
  color: number;
  rgb: Rgb;
  /** Shading: brightness changes by `amount` per radius along the unit direction (lx, ly). */
  light: { lx: number; ly: number; amount: number };
}

/** A picture under construction: float RGB in 0..255, HWC, and the Broden label numbers per pixel. */
export interface Canvas {
  size: number;
  rgb: Float32Array;
  color: Uint16Array;
  object: Uint16Array;
  part: Uint16Array;
}

export interface ObjectStats {
  /** Pixels inside the object's outline within the frame, occluded or not. */
  drawn: number;
  /** Pixels the object owns in the finished picture. */
  visible: number;
}

export function renderBackground(background: Background, size: number): Canvas {
  const n = size * size;
  const canvas: Canvas = { size, rgb: new Float32Array(3 * n), color: new Uint16Array(n), object: new Uint16Array(n), part: new Uint16Array(n) };
  const [a, b] = background.rgb;
  const labelA = colorLabel(background.colors[0]);
  const labelB = colorLabel(background.colors[1]);
  for (let y = 0, i = 0; y < size; y++) {
    for (let x = 0; x < size; x++, i++) {
      const t = background.coverage(x + 0.5, y + 0.5);
      canvas.rgb[3 * i] = a[0] + (b[0] - a[0]) * t;
      canvas.rgb[3 * i + 1] = a[1] + (b[1] - a[1]) * t;
      canvas.rgb[3 * i + 2] = a[2] + (b[2] - a[2]) * t;
      canvas.color[i] = t >= 0.5 ? labelB : labelA;
    }
  }
  return canvas;
}

export function cloneCanvas(c: Canvas): Canvas {
  return { size: c.size, rgb: c.rgb.slice(), color: c.color.slice(), object: c.object.slice(), part: c.part.slice() };
}

/** Width of the 'edge' part band inside an outline, in pixels, for an image of this size. */
export const edgeWidth = (size: number): number => Math.max(1.5, size / 32);
/** Radius of the 'corner' part around a convex vertex, for an object of this circumradius. */
export const cornerRadius = (radius: number): number => Math.max(2, radius / 4);

/** Paints the objects (back to front) onto the canvas in place; returns each object's pixel counts. */
export function renderObjects(canvas: Canvas, objects: readonly SceneObject[]): ObjectStats[] {
  const { size } = canvas;
  const owner = new Int8Array(size * size).fill(-1);
  const stats = objects.map((o, k) => ({ drawn: paintObject(canvas, owner, o, k), visible: 0 }));
  for (let i = 0; i < owner.length; i++) if (owner[i] >= 0) stats[owner[i]].visible++;
  return stats;
}

function paintObject(canvas: Canvas, owner: Int8Array, object: SceneObject, k: number): number {
  const { size, rgb } = canvas;
  const { spec } = object;
  const geometry = shapeGeometry(spec);
  const edge = edgeWidth(size);
  const cornerR = cornerRadius(spec.radius);
  const labels = { color: colorLabel(object.color), object: objectLabel(SHAPES.indexOf(spec.shape)), edge: partLabel(0), corner: partLabel(1) };
  const { lx, ly, amount } = object.light;
  // Every shape lies within its circumradius of its centre; one more pixel covers the anti-aliased rim.
  const x0 = Math.max(0, Math.floor(spec.cx - spec.radius - 1));
  const x1 = Math.min(size, Math.ceil(spec.cx + spec.radius + 1));
  const y0 = Math.max(0, Math.floor(spec.cy - spec.radius - 1));
  const y1 = Math.min(size, Math.ceil(spec.cy + spec.radius + 1));
  let drawn = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = geometry.distance(px, py);
      const coverage = d >= 0.5 ? 0 : d <= -0.5 ? 1 : 0.5 - d;
      if (coverage === 0) continue;
      const i = y * size + x;
      const shade = 1 + (amount * ((px - spec.cx) * lx + (py - spec.cy) * ly)) / spec.radius;
      for (let c = 0; c < 3; c++) rgb[3 * i + c] += (object.rgb[c] * shade - rgb[3 * i + c]) * coverage;
      if (d > 0) continue;
      drawn++;
      owner[i] = k;
      canvas.color[i] = labels.color;
      canvas.object[i] = labels.object;
      canvas.part[i] = d > -cornerR && nearAny(geometry.corners, px, py, cornerR) ? labels.corner : d > -edge ? labels.edge : 0;
    }
  }
  return drawn;
}

function nearAny(points: [number, number][], x: number, y: number, r: number): boolean {
  for (const [qx, qy] of points) if ((x - qx) * (x - qx) + (y - qy) * (y - qy) < r * r) return true;
  return false;
}

/** Rounds the float picture to bytes after adding Gaussian-like pixel noise of the given deviation. */
export function quantize(canvas: Canvas, noise: number, rng: Random): Uint8Array {
  const out = new Uint8Array(canvas.rgb.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(canvas.rgb[i] + noise * rng.normal());
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
