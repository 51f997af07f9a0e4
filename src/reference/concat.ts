// CPU references for concat and split along an axis (any rank, row-major).

function around(shape: number[], axis: number) {
  const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  return { outer: product(shape.slice(0, axis)), inner: product(shape.slice(axis + 1)) };
}

export function concat(xs: ArrayLike<number>[], shapes: number[][], axis: number): Float64Array {
  const { outer, inner } = around(shapes[0], axis);
  const total = shapes.reduce((sum, s) => sum + s[axis], 0);
  const y = new Float64Array(outer * total * inner);
  let offset = 0;
  xs.forEach((x, k) => {
    const length = shapes[k][axis];
    for (let o = 0; o < outer; o++) {
      for (let a = 0; a < length; a++) {
        for (let i = 0; i < inner; i++) y[(o * total + offset + a) * inner + i] = x[(o * length + a) * inner + i];
      }
    }
    offset += length;
  });
  return y;
}

export function split(x: ArrayLike<number>, shape: number[], sizes: number[], axis: number): Float64Array[] {
  const { outer, inner } = around(shape, axis);
  const total = shape[axis];
  let offset = 0;
  return sizes.map((length) => {
    const piece = new Float64Array(outer * length * inner);
    for (let o = 0; o < outer; o++) {
      for (let a = 0; a < length; a++) {
        for (let i = 0; i < inner; i++) piece[(o * length + a) * inner + i] = x[(o * total + offset + a) * inner + i];
      }
    }
    offset += length;
    return piece;
  });
}
