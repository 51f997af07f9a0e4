// The page's views, in tab order: the layer browser, one panel per method, and the unit page.

import type { View } from '../context.ts';
import { el, fill } from '../dom.ts';
import type { ViewName } from '../state.ts';
import { deconvnetView } from './deconvnet-view.ts';
import { dissectionView } from './dissection-view.ts';
import { modelView } from './model-view.ts';
import { unitView } from './unit-view.ts';

/** A method the library does not have yet: the tab says so rather than disappearing. */
function pending(title: string, summary: string): View {
  return { title, summary, render: (_ctx, root) => fill(root, el('p', { class: 'note' }, `${title} is not in the library yet.`)) };
}

export const VIEW_TABLE: Record<ViewName, View> = {
  model: modelView,
  deconvnet: deconvnetView,
  occlusion: pending('Occlusion', 'Zeiler & Fergus 2014: slide a grey square over the image and map the unit’s response.'),
  top9: pending('Top 9', 'The nine strongest activations of the unit over an image set, with their projections.'),
  am: pending('Activation maximization', 'Erhan et al. 2009, Simonyan et al. 2014, Yosinski et al. 2015: the image that excites the unit most.'),
  inversion: pending('Inversion', 'Mahendran & Vedaldi 2015: reconstruct the image from its representation at the layer.'),
  dissection: dissectionView,
  unit: unitView,
};
