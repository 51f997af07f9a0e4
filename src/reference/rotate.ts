// CPU reference for the rotation (and zoom) of each plane of an NCHW tensor about its centre,
// bilinear, zeros outside, and its gradient. Positions are (column, row), the centre
// c = ((W-1)/2, (H-1)/2); output pixel p reads the input at s = c + (1/scale) R (p - c),
// R = [[cos, -sin], [sin, cos]] (a positive angle turns the picture anticlockwise as displayed,
// rows running down). Each of the 4 taps q around s has weight tent(s_x - q_x) tent(s_y - q_y),
// tent(t) = max(0, 1 - |t|); taps outside the image read 0.

/** cos and sin of an angle in degrees, exact at multiples of 90. */
function cosSin(degrees: number): [number, number] {
  const turned = ((degrees % 360) + 360) % 360;
  const quarter = [[1, 0], [0, 1], [-1, 0], [0, -1]][turned / 90];
  if (quarter) return quarter as [number, number];
  return [Math.cos((turned * Math.PI) / 180), Math.sin((turned * Math.PI) / 180)];
}

/** The (input index within a plane, weight) pairs that output pixel (row, col) reads. */
export function rotateTaps(row: number, col: number, h: number, w: number, degrees: number, scale = 1): [number, number][] {
  const [cos, sin] = cosSin(degrees);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const sx = cx + (cos * (col - cx) - sin * (row - cy)) / scale;
  const sy = cy + (sin * (col - cx) + cos * (row - cy)) / scale;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const taps: [number, number][] = [];
  for (const qy of [y0, y0 + 1]) {
    for (const qx of [x0, x0 + 1]) {
      const weight = Math.max(0, 1 - Math.abs(sx - qx)) * Math.max(0, 1 - Math.abs(sy - qy));
      if (qy >= 0 && qy < h && qx >= 0 && qx < w && weight > 0) taps.push([qy * w + qx, weight]);
    }
  }
  return taps;
}

export function rotate(x: ArrayLike<number>, shape: number[], degrees: number, scale = 1): Float64Array {
  const [n, c, h, w] = shape;
  const y = new Float64Array(n * c * h * w);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const taps = rotateTaps(row, col, h, w, degrees, scale);
      for (let plane = 0; plane < n * c; plane++) {
        let v = 0;
        for (const [q, weight] of taps) v += weight * x[plane * h * w + q];
        y[plane * h * w + row * w + col] = v;
      }
    }
  }
  return y;
}

/** dx: every output spreads its gradient back over the taps it read, with their weights. */
export function rotateBackward(dy: ArrayLike<number>, shape: number[], degrees: number, scale = 1): Float64Array {
  const [n, c, h, w] = shape;
  const dx = new Float64Array(n * c * h * w);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const taps = rotateTaps(row, col, h, w, degrees, scale);
      for (let plane = 0; plane < n * c; plane++) {
        const g = dy[plane * h * w + row * w + col];
        for (const [q, weight] of taps) dx[plane * h * w + q] += weight * g;
      }
    }
  }
  return dx;
}
