// Command-line argument parsing for the subcommands (node:util's parseArgs, strict), with usage
// errors that name the command.

import type { ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `--name value` options; returns undefined when --help was asked for (after printing usage). */
export function parseOptions<O extends Options>(command: string, usage: string, args: string[], options: O) {
  const { parseArgs } = process.getBuiltinModule('node:util') as typeof import('node:util');
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}. Try '${command} --help'.`);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(usage.trim());
    return undefined;
  }
  return parsed.values as { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
}

export function required(command: string, name: string, value: string | undefined): string {
  if (!value) throw new UsageError(`${command}: --${name} is required. Try '${command} --help'.`);
  return value;
}

export function positiveInt(command: string, name: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${command}: --${name} must be a positive integer, got '${value}'`);
  return n;
}
