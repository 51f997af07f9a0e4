// Background textures. Each is a two-colour pattern given as the coverage of its second colour at a
// pixel, in [0, 1], anti-aliased from a distance to the pattern's boundary; the renderer mixes the two
// colours by it and labels a pixel with the colour that covers at least half of it.

import type { Random } from './random.ts';
import { length } from './shapes.ts';
import type { TextureName } from './vocabulary.ts';

export type Coverage = (x: number, y: number) => number;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const degrees = (d: number): number => (d * Math.PI) / 180;

/** Positive modulo. */
const mod = (a: number, p: number): number => a - p * Math.floor(a / p);

/** Signed distance to alternating bands of width period/2: negative inside the band centred on period/2. */
const band = (t: number, period: number): number => Math.abs(mod(t, period) - period / 2) - period / 4;

/** Draws the texture's random parameters (period, angle, phase) for an image of the given size. */
export function makeTexture(name: TextureName, rng: Random, size: number): Coverage {
  const centre = size / 2;
  const frame = (angle: number) => {
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const du = rng.uniform(0, size);
    const dv = rng.uniform(0, size);
    // Pixel centre to pattern coordinates (u along the pattern's axis, v across it), rotated about the image centre.
    return {
      u: (x: number, y: number) => (x - centre) * cos + (y - centre) * sin + du,
      v: (x: number, y: number) => -(x - centre) * sin + (y - centre) * cos + dv,
    };
  };
  switch (name) {
    case 'plain':
      return () => 0;
    case 'striped-horizontal':
    case 'striped-vertical':
    case 'striped-diagonal': {
      const base = name === 'striped-horizontal' ? 0 : name === 'striped-vertical' ? 90 : rng.pick([45, 135]);
      const { v } = frame(degrees(base + rng.uniform(-8, 8)));
      const period = size * rng.uniform(0.1, 0.2);
      return (x, y) => clamp01(0.5 - band(v(x, y), period));
    }
    case 'chequered': {
      const { u, v } = frame(degrees(rng.uniform(-25, 25)));
      const period = size * rng.uniform(0.2, 0.4);
      return (x, y) => {
        const a = clamp01(0.5 - band(u(x, y), period));
        const b = clamp01(0.5 - band(v(x, y), period));
        return a + b - 2 * a * b; // a soft exclusive-or of the two band patterns
      };
    }
    case 'dotted': {
      const { u, v } = frame(degrees(rng.uniform(-25, 25)));
      const spacing = size * rng.uniform(0.12, 0.2);
      const radius = spacing * rng.uniform(0.2, 0.3);
      return (x, y) => clamp01(0.5 - (length(mod(u(x, y), spacing) - spacing / 2, mod(v(x, y), spacing) - spacing / 2) - radius));
    }
    case 'grid': {
      const { u, v } = frame(degrees(rng.uniform(-25, 25)));
      const spacing = size * rng.uniform(0.14, 0.24);
      const width = Math.max(1, (size / 64) * rng.uniform(1.2, 2.2));
      return (x, y) => {
        const du = spacing / 2 - Math.abs(mod(u(x, y), spacing) - spacing / 2);
        const dv = spacing / 2 - Math.abs(mod(v(x, y), spacing) - spacing / 2);
        return clamp01(0.5 - (Math.min(du, dv) - width / 2));
      };
    }
    case 'wavy': {
      const { u, v } = frame(rng.uniform(0, Math.PI));
      const period = size * rng.uniform(0.12, 0.2);
      const amplitude = size * rng.uniform(0.03, 0.07);
      const k = (2 * Math.PI) / (size * rng.uniform(0.3, 0.6));
      return (x, y) => {
        const s = u(x, y) * k;
        // Divide by the slope so that the distance stays in pixels where the wave is steep.
        const d = band(v(x, y) + amplitude * Math.sin(s), period) / length(1, amplitude * k * Math.cos(s));
        return clamp01(0.5 - d);
      };
    }
    case 'blotchy':
      return valueNoise(rng, size, size * rng.uniform(0.12, 0.22));
  }
}

/** Smoothly interpolated random values on a lattice, thresholded at one half with a soft edge. */
function valueNoise(rng: Random, size: number, cell: number): Coverage {
  const n = Math.ceil(size / cell) + 2;
  const values = Float64Array.from({ length: n * n }, () => rng.next());
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (x, y) => {
    const gx = x / cell;
    const gy = y / cell;
    const ix = Math.floor(gx);
    const iy = Math.floor(gy);
    const tx = smooth(gx - ix);
    const ty = smooth(gy - iy);
    const at = (i: number, j: number) => values[j * n + i];
    const top = at(ix, iy) + (at(ix + 1, iy) - at(ix, iy)) * tx;
    const bottom = at(ix, iy + 1) + (at(ix + 1, iy + 1) - at(ix, iy + 1)) * tx;
    const value = top + (bottom - top) * ty;
    // The value changes by about one half per cell, so this gives an edge about a pixel wide.
    return clamp01(0.5 + (value - 0.5) * cell * 2);
  };
}
