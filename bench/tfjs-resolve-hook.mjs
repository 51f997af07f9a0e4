// A Node module-resolution hook for the bench: tfjs-core ships its gradients only as ES modules with
// extension-less relative imports ('./gradients/Abs_grad'), which Node cannot resolve (and where
// './gradients' is both a file and a folder). Inside tfjs-core's dist/, try '<specifier>.js' first.
// Registered by bench/run-node.ts; Vite (the page, vitest) resolves these by itself.

import { existsSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && /^\.\.?\//.test(specifier) && !/\.[cm]?js$/.test(specifier)) {
    const candidate = new URL(`${specifier}.js`, parent);
    if (existsSync(candidate)) return nextResolve(candidate.href, context);
  }
  return nextResolve(specifier, context);
}
