// Finite-difference checks for the backward references (float64 on the CPU).

/**
 * Central differences of sum(dy * f(x)) with respect to every element of x: the numeric
 * gradient that an analytic backward must match.
 */
export function numericGradient(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, dy: ArrayLike<number>, eps = 1e-6): Float64Array {
  const xs = Float64Array.from(x);
  const objective = () => {
    const y = f(xs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
    return s;
  };
  const grad = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const keep = xs[i];
    xs[i] = keep + eps;
    const plus = objective();
    xs[i] = keep - eps;
    const minus = objective();
    xs[i] = keep;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

/** Central differences of a scalar function at every element of x (numericGradient with one output). */
export function scalarNumericGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, eps = 1e-6): Float64Array {
  return numericGradient((p) => [f(p)], x, [1], eps);
}

/** ||a - b|| / ||b||: robust to the rare element where a finite difference straddles a ReLU or max-pool kink. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}
