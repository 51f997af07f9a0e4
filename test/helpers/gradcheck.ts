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
