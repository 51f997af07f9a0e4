// The method sections of the unit page between its response and its dissection, each given by
// its method's view file.

import type { AppContext } from '../context.ts';

export interface UnitSection {
  id: string;
  render(ctx: AppContext, root: HTMLElement): void;
}

export const UNIT_SECTIONS: UnitSection[] = [];
