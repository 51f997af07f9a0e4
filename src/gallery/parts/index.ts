// The demo's parts, in the order the gallery shows them.

import type { DemoPart } from '../context.ts';
import { predictions } from './predictions.ts';
import { activationMaximizationPart } from './activation-maximization.ts';
import { deconvnetPart, occlusionPart } from './deconvnet.ts';
import { dissectionPart } from './dissection.ts';
import { inversionPart } from './inversion.ts';

export const DEMO_PARTS: DemoPart[] = [predictions, activationMaximizationPart, inversionPart, deconvnetPart, occlusionPart, dissectionPart];
