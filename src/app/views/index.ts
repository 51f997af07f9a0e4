// The page's views, in tab order: the layer browser, one panel per method, and the unit page.

import type { View } from '../context.ts';
import { el, fill } from '../dom.ts';
import type { ViewName } from '../state.ts';
import { amView } from './am-view.ts';
import { deconvnetView } from './deconvnet-view.ts';
import { dissectionView } from './dissection-view.ts';
import { inversionView } from './inversion-view.ts';
import { modelView } from './model-view.ts';
import { top9View } from './top9-view.ts';
import { unitView } from './unit-view.ts';

/** A method the library does not have yet: the tab says so rather than disappearing. */
function pending(title: string, summary: string): View {
  return { title, summary, render: (_ctx, root) => fill(root, el('p', { class: 'note' }, `${title} is not in the library yet.`)) };
}

export const VIEW_TABLE: Record<ViewName, View> = {
  model: modelView,
  deconvnet: deconvnetView,
  occlusion: pending('Occlusion', 'Zeiler & Fergus 2014: slide a grey square over the image and map the unit’s response.'),
  top9: top9View,
  am: amView,
  inversion: inversionView,
  dissection: dissectionView,
  unit: unitView,
};
