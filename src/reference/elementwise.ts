// CPU references for the elementwise ops (the living definition the GPU kernels are tested against).

import type { BackwardReluMode } from '../ops/elementwise.ts';

export function relu(x: ArrayLike<number>): Float32Array {
  return Float32Array.from(x, (v) => Math.max(v, 0));
}

export function reluBackward(x: ArrayLike<number>, dy: ArrayLike<number>, mode: BackwardReluMode): Float32Array {
  const dx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const open = x[i] > 0;
    const g = dy[i];
    if (mode === 'gradient') dx[i] = open ? g : 0;
    else if (mode === 'deconvnet') dx[i] = Math.max(g, 0);
    else if (mode === 'guided') dx[i] = open ? Math.max(g, 0) : 0;
    else dx[i] = open || g > 0 ? g : 0; // 'redirected'
  }
  return dx;
}
