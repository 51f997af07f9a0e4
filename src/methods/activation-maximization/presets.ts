// Yosinski et al. 2015 ("Understanding Neural Networks Through Deep Visualization", section 3):
// after each gradient step the image goes through r_theta:
//   x <- (1 - theta_decay) x                                   L2 decay
//   x <- blur(x, theta_b_width)   every theta_b_every steps     Gaussian blur
//   pixels whose norm over colour is in the lowest theta_n_pct percent   -> 0
//   pixels whose contribution sum_c |x * grad| is in the lowest theta_c_pct percent -> 0
// Their Table 1 gives four hand-picked combinations, selectable here by name. Erhan et al.
// 2009's fixed norm is applied last when asked for.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { blurImage, clipLowContribution, clipLowNorm, fixNorm, l2Decay } from '../common/regularizers.ts';

export interface Regularization {
  /** theta_decay: fraction of the image removed each step (default 0). */
  decay?: number;
  /** theta_b_width: the blur's standard deviation in pixels (0: no blur). */
  blurWidth?: number;
  /** theta_b_every: blur at steps 0, k, 2k, ... (0: never). */
  blurEvery?: number;
  /** theta_n_pct: percent of pixels of lowest norm set to 0. */
  normPercentile?: number;
  /** theta_c_pct: percent of pixels of lowest contribution set to 0. */
  contributionPercentile?: number;
  /** Erhan et al.: each image held at this Euclidean norm (in the model's input space). */
  fixedNorm?: number;
}

/** Table 1 of Yosinski et al. 2015: (decay, blur width, blur every, norm pct, contribution pct). */
export const YOSINSKI_PRESETS = {
  yosinski1: { decay: 0, blurWidth: 0.5, blurEvery: 4, normPercentile: 50, contributionPercentile: 0 },
  yosinski2: { decay: 0.3, blurWidth: 0, blurEvery: 0, normPercentile: 20, contributionPercentile: 0 },
  yosinski3: { decay: 0.0001, blurWidth: 1.0, blurEvery: 4, normPercentile: 0, contributionPercentile: 0 },
  yosinski4: { decay: 0, blurWidth: 0.5, blurEvery: 4, normPercentile: 0, contributionPercentile: 90 },
} as const satisfies Record<string, Regularization>;

/** Descriptive names for the same four. */
export const PRESET_ALIASES: Record<string, keyof typeof YOSINSKI_PRESETS> = {
  'blur-norm-clip': 'yosinski1',
  'strong-decay': 'yosinski2',
  'decay-blur': 'yosinski3',
  'blur-contribution-clip': 'yosinski4',
};

export type PresetName = keyof typeof YOSINSKI_PRESETS | keyof typeof PRESET_ALIASES | 'none';

export const PRESET_NAMES = ['none', ...Object.keys(YOSINSKI_PRESETS), ...Object.keys(PRESET_ALIASES)];

/** A preset's settings by name ('none': no regularization). */
export function presetSettings(name: string): Regularization {
  if (name === 'none') return {};
  const key = (PRESET_ALIASES[name] ?? name) as keyof typeof YOSINSKI_PRESETS;
  const preset = YOSINSKI_PRESETS[key];
  if (!preset) throw new Error(`unknown regularization preset '${name}'. Presets: ${PRESET_NAMES.join(', ')}`);
  return { ...preset };
}

/** Throws a one-line Error for a setting out of range. */
export function checkRegularization(r: Regularization): void {
  const inRange = (name: string, v: number | undefined, lo: number, hi: number) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= lo && v <= hi)) throw new Error(`${name} must be in [${lo}, ${hi}], got ${v}`);
  };
  inRange('decay', r.decay, 0, 1);
  inRange('blurWidth', r.blurWidth, 0, 100);
  if (r.blurEvery !== undefined && !(Number.isInteger(r.blurEvery) && r.blurEvery >= 0)) throw new Error(`blurEvery must be a whole number >= 0, got ${r.blurEvery}`);
  inRange('normPercentile', r.normPercentile, 0, 100);
  inRange('contributionPercentile', r.contributionPercentile, 0, 100);
  if (r.fixedNorm !== undefined && !(Number.isFinite(r.fixedNorm) && r.fixedNorm > 0)) throw new Error(`fixedNorm must be a finite number > 0, got ${r.fixedNorm}`);
}

/** Whether any step of r_theta (or the fixed norm) is active. */
export function isActive(r: Regularization): boolean {
  return !!(r.decay || (r.blurWidth && r.blurEvery) || r.normPercentile || r.contributionPercentile || r.fixedNorm);
}

/**
 * r_theta on an image batch, at optimisation step `step` (0-based); `grad` is the step's image
 * gradient (for the contribution). Returns a new tensor.
 */
export async function regularize(engine: Engine, x: Tensor, step: number, grad: Tensor, r: Regularization): Promise<Tensor> {
  let current = x.reshape(x.shape);
  const replace = (next: Tensor) => {
    current.dispose();
    current = next;
  };
  try {
    if (r.decay) replace(l2Decay(engine, current, r.decay));
    if (r.blurWidth && r.blurEvery && step % r.blurEvery === 0) replace(blurImage(engine, current, r.blurWidth));
    if (r.normPercentile) replace(await clipLowNorm(engine, current, r.normPercentile));
    if (r.contributionPercentile) replace(await clipLowContribution(engine, current, grad, r.contributionPercentile));
    if (r.fixedNorm) replace(await fixNorm(engine, current, r.fixedNorm));
    return current;
  } catch (e) {
    current.dispose();
    throw e;
  }
}
