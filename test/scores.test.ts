import { describe, expect, it } from 'vitest';
import { classProbabilities } from '../src/models/scores.ts';

describe('classProbabilities', () => {
  it('is softmax of the logits, stable for large ones', () => {
    const p = classProbabilities(new Float32Array([1000, 1000 + Math.log(3)]), false);
    expect(p[0]).toBeCloseTo(0.25, 3); // float32 logits near 1000 carry ~6e-5
    expect(p[1]).toBeCloseTo(0.75, 3);
  });

  it('passes a softmax output through unchanged', () => {
    const values = new Float32Array([0.1, 0.7, 0.2]);
    expect(Array.from(classProbabilities(values, true))).toEqual(Array.from(values, (v) => v));
  });

  it('reads one row of a batch', () => {
    const logits = new Float32Array([0, 0, 5, Math.log(2), 0, 0]); // rows [0, 0, 5], [ln 2, 0, 0]
    const p = classProbabilities(logits, false, 3, 1);
    expect(p.length).toBe(3);
    expect(p[0]).toBeCloseTo(0.5, 6);
    expect(p[1]).toBeCloseTo(0.25, 6);
  });
});
