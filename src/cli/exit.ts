// How the command line ends: exit codes that scripts can rely on, and errors as one line.
//
//   0  done
//   1  bad input: a usage error, or the library refusing what it was given (an unknown layer, a
//      corrupt model file, an image that is not an image, a unit out of range, ...)
//   2  internal: anything else (a bug, a GPU error, a lost device)
//
// The library reports bad input with plain `Error`s whose messages name the problem; JavaScript's
// own TypeError/RangeError and the engine's GPU errors mean something went wrong inside.

import { UsageError } from './args.ts';
import { DeviceLostError } from '../engine/engine.ts';

/** Commands whose long runs save their progress and continue with --resume. */
const RESUMABLE = new Set(['train', 'dissect', 'top9']);

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_INTERNAL = 2;

const INTERNAL_MESSAGE = /GPU (validation error|out of memory)|device (was )?lost|was used after dispose/i;

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT_BAD_INPUT;
  if (e instanceof Error && e.constructor === Error && !INTERNAL_MESSAGE.test(e.message)) return EXIT_BAD_INPUT;
  return EXIT_INTERNAL;
}

/** The line printed for an error: its message, or with --verbose its stack. */
export function errorText(e: unknown, verbose: boolean, command?: string): string {
  if (!(e instanceof Error)) return `error: ${String(e)}`;
  if (verbose) return `error: ${e.stack ?? e.message}`;
  if (e instanceof DeviceLostError) {
    const again = command && RESUMABLE.has(command) ? `run the same command again with --resume to continue where it stopped` : 'run the command again';
    return `error: the GPU device was lost (the driver reset, or the GPU was removed or ran out of memory); ${again}`;
  }
  const firstLine = e.message.split('\n')[0];
  const hint = exitCodeFor(e) === EXIT_INTERNAL ? ' (internal error; run again with --verbose for the stack)' : '';
  return `error: ${firstLine}${hint}`;
}
