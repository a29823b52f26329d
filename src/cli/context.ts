import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.ts';

export interface CliContext {
  config: Config;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Wrong arguments: the CLI prints usage and exits with 2. */
export class UsageError extends Error {}

export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) throw new UsageError(`Expected ${positionals} file argument(s), got ${parsed.positionals.length}.`);
  return parsed;
}
