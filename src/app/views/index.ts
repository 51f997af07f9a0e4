// The page's views, in tab order: the layer browser, one panel per method, and the unit page.

import type { View } from '../context.ts';
import type { ViewName } from '../state.ts';
import { amView } from './am-view.ts';
import { deconvnetView } from './deconvnet-view.ts';
import { dissectionView } from './dissection-view.ts';
import { inversionView } from './inversion-view.ts';
import { modelView } from './model-view.ts';
import { occlusionView } from './occlusion-view.ts';
import { top9View } from './top9-view.ts';
import { unitView } from './unit-view.ts';

export const VIEW_TABLE: Record<ViewName, View> = {
  model: modelView,
  deconvnet: deconvnetView,
  occlusion: occlusionView,
  top9: top9View,
  am: amView,
  inversion: inversionView,
  dissection: dissectionView,
  unit: unitView,
};
