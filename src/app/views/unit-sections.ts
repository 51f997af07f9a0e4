// The method sections of the unit page between its response and its dissection, each given by
// its method's view file.

import type { AppContext } from '../context.ts';
import { amUnitSection } from './am-view.ts';
import { top9UnitSection } from './top9-view.ts';

export interface UnitSection {
  id: string;
  render(ctx: AppContext, root: HTMLElement): void;
}

export const UNIT_SECTIONS: UnitSection[] = [amUnitSection, top9UnitSection];
