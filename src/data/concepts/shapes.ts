// Shape geometry as signed distance functions (in pixels, negative inside), plus each shape's corners
// (its convex vertices), from which the renderer derives anti-aliased coverage and the part masks.

import type { ShapeName } from './vocabulary.ts';

/** A shape instance: where it is, how big (circumradius, px), how turned, and its one free parameter. */
export interface ShapeSpec {
  shape: ShapeName;
  cx: number;
  cy: number;
  radius: number;
  /** Radians, counter-clockwise on screen. */
  rotation: number;
  /** In [0, 1]: ring thickness, star sharpness, cross arm width, crescent bite; unused by the others. */
  variation: number;
}

export interface ShapeGeometry {
  /** Signed distance from the pixel-space point (x, y) to the outline: negative inside. */
  distance(x: number, y: number): number;
  /** Convex vertices: the points whose neighbourhoods are labelled 'corner'. */
  corners: [number, number][];
}

const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;
/** Math.hypot, without its overflow care, which makes it several times slower in V8. */
export const length = (x: number, y: number): number => Math.sqrt(x * x + y * y);

export function shapeGeometry(spec: ShapeSpec): ShapeGeometry {
  const { cx, cy, radius: r, variation: v } = spec;
  switch (spec.shape) {
    case 'circle':
      return { distance: (x, y) => length(x - cx, y - cy) - r, corners: [] };
    case 'ring': {
      const inner = r * lerp(0.45, 0.65, v);
      const mid = (r + inner) / 2;
      const half = (r - inner) / 2;
      return { distance: (x, y) => Math.abs(length(x - cx, y - cy) - mid) - half, corners: [] };
    }
    case 'triangle':
      return polygon(spec, regularPolygon(3, 1));
    case 'square':
      return polygon(spec, regularPolygon(4, 1));
    case 'hexagon':
      return polygon(spec, regularPolygon(6, 1));
    case 'star':
      return polygon(spec, star(5, lerp(0.38, 0.55, v)));
    case 'cross':
      return polygon(spec, cross(lerp(0.22, 0.34, v)));
    case 'crescent':
      return crescent(spec, lerp(0.75, 0.9, v), lerp(0.45, 0.65, v));
  }
}

/** Unit-circumradius vertices, the first pointing up (screen y grows downwards). */
function regularPolygon(n: number, radius: number, phase = 0): [number, number][] {
  return Array.from({ length: n }, (_, k) => {
    const a = phase + (2 * Math.PI * k) / n - Math.PI / 2;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
}

function star(points: number, innerRatio: number): [number, number][] {
  const outer = regularPolygon(points, 1);
  const inner = regularPolygon(points, innerRatio, Math.PI / points);
  return outer.flatMap((p, k) => [p, inner[k]]);
}

/** A plus sign whose arm ends' corners lie on the unit circle; halfWidth is relative to it. */
function cross(halfWidth: number): [number, number][] {
  const w = halfWidth;
  const l = Math.sqrt(1 - w * w);
  return [[w, -l], [w, -w], [l, -w], [l, w], [w, w], [w, l], [-w, l], [-w, w], [-l, w], [-l, -w], [-w, -w], [-w, -l]];
}

/** A polygon given by unit-scale local vertices, scaled, rotated and moved to the spec's place. */
function polygon(spec: ShapeSpec, local: [number, number][]): ShapeGeometry {
  const cos = Math.cos(spec.rotation);
  const sin = Math.sin(spec.rotation);
  const n = local.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  local.forEach(([lx, ly], k) => {
    xs[k] = spec.cx + spec.radius * (lx * cos + ly * sin);
    ys[k] = spec.cy + spec.radius * (-lx * sin + ly * cos);
  });
  return { distance: (x, y) => polygonDistance(xs, ys, x, y), corners: convexVertices(xs, ys) };
}

/**
 * Signed distance to a simple polygon (convex or not): the nearest edge gives the magnitude, a
 * crossing count of a ray towards +x gives the sign (after Inigo Quilez's sdPolygon).
 */
export function polygonDistance(xs: Float64Array, ys: Float64Array, px: number, py: number): number {
  const n = xs.length;
  let best = Infinity;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ex = xs[j] - xs[i];
    const ey = ys[j] - ys[i];
    const wx = px - xs[i];
    const wy = py - ys[i];
    const t = Math.min(Math.max((wx * ex + wy * ey) / (ex * ex + ey * ey), 0), 1);
    const bx = wx - ex * t;
    const by = wy - ey * t;
    best = Math.min(best, bx * bx + by * by);
    // The edge straddles the horizontal line through p, and p is left of where the edge crosses it.
    if (ys[i] > py !== ys[j] > py && px < xs[i] + (ex * (py - ys[i])) / ey) inside = !inside;
  }
  return inside ? -Math.sqrt(best) : Math.sqrt(best);
}

/** Vertices where the outline turns the same way as the polygon winds (not the notches of a star). */
function convexVertices(xs: Float64Array, ys: Float64Array): [number, number][] {
  const n = xs.length;
  let area = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) area += xs[j] * ys[i] - xs[i] * ys[j];
  const corners: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const p = (i + n - 1) % n;
    const q = (i + 1) % n;
    const turn = (xs[i] - xs[p]) * (ys[q] - ys[i]) - (ys[i] - ys[p]) * (xs[q] - xs[i]);
    if (turn * area > 0) corners.push([xs[i], ys[i]]);
  }
  return corners;
}

/** A disc with a smaller disc bitten out of one side; its two horns are its corners. */
function crescent(spec: ShapeSpec, biteRatio: number, offsetRatio: number): ShapeGeometry {
  const { cx, cy, radius: r } = spec;
  const rb = r * biteRatio;
  const d0 = r * offsetRatio;
  const ux = Math.cos(spec.rotation);
  const uy = -Math.sin(spec.rotation);
  const bx = cx + d0 * ux;
  const by = cy + d0 * uy;
  // The horns are where the two circles intersect.
  const a = (r * r - rb * rb + d0 * d0) / (2 * d0);
  const h = Math.sqrt(Math.max(r * r - a * a, 0));
  const corners: [number, number][] = [
    [cx + a * ux - h * uy, cy + a * uy + h * ux],
    [cx + a * ux + h * uy, cy + a * uy - h * ux],
  ];
  return { distance: (x, y) => Math.max(length(x - cx, y - cy) - r, rb - length(x - bx, y - by)), corners };
}
