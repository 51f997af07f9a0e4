// CPU reference for ONNX Resize, mode linear, coordinate_transformation_mode half_pixel, of H and W
// (NCHW), and its gradient. Written after ONNX's reference: the source coordinate of output x_out
// is (x_out + 0.5) / scale - 0.5 with scale = out / in; the two neighbours floor(x) and floor(x) + 1
// are read with edge padding (indices clamped) and weighted 1 - frac and frac.

/** The (index, weight) pairs output index `o` reads along one axis. */
export function linearTaps(o: number, inSize: number, outSize: number): [number, number][] {
  const scale = outSize / inSize;
  const s = (o + 0.5) / scale - 0.5;
  const lo = Math.floor(s);
  const frac = s - lo;
  const clampIndex = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  return [
    [clampIndex(lo), 1 - frac],
    [clampIndex(lo + 1), frac],
  ];
}

export function resizeBilinear(x: ArrayLike<number>, shape: number[], outH: number, outW: number): Float64Array {
  const [n, c, h, w] = shape;
  const y = new Float64Array(n * c * outH * outW);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let v = 0;
        for (const [iy, wy] of linearTaps(oy, h, outH)) for (const [ix, wx] of linearTaps(ox, w, outW)) v += wy * wx * x[(plane * h + iy) * w + ix];
        y[(plane * outH + oy) * outW + ox] = v;
      }
    }
  }
  return y;
}

/** dx: every output spreads its gradient back over the inputs it read, with their weights. */
export function resizeBilinearBackward(dy: ArrayLike<number>, xShape: number[], outH: number, outW: number): Float64Array {
  const [n, c, h, w] = xShape;
  const dx = new Float64Array(n * c * h * w);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const g = dy[(plane * outH + oy) * outW + ox];
        for (const [iy, wy] of linearTaps(oy, h, outH)) for (const [ix, wx] of linearTaps(ox, w, outW)) dx[(plane * h + iy) * w + ix] += wy * wx * g;
      }
    }
  }
  return dx;
}
