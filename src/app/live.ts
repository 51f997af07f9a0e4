// The image of an optimization (AM, inversion) shown while it runs: at most every `interval` ms the
// step callback renders the current parameters (StepInfo.snapshot) and draws the first image of
// the batch into a canvas, with its preprocessing undone.

import type { Model } from '../models/model.ts';
import type { StepInfo } from '../methods/common/optimize.ts';
import { tensorToImage } from '../data/image.ts';
import { el, fill, pictureCanvas } from './dom.ts';

export function liveImage(model: Model, container: HTMLElement, caption: string, interval = 400): (info: StepInfo) => Promise<void> {
  let last = -Infinity;
  return async (info) => {
    const now = performance.now();
    if (now - last < interval && info.step + 1 < info.steps) return;
    last = now;
    const snapshot = info.snapshot();
    try {
      const picture = tensorToImage(await snapshot.readFloat(), snapshot.shape, model.spec.input.preprocessing);
      const canvas = pictureCanvas(picture, caption, 'picture large');
      canvas.classList.add('live');
      fill(container, el('figure', {}, canvas, el('figcaption', {}, `${caption}: step ${info.step + 1} of ${info.steps}`)));
    } finally {
      snapshot.dispose();
    }
  };
}
