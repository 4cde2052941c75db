/**
 * Shared argument parsing for the CLI: integer flags, and the mapping of errors the user can fix
 * (bad paths, undecodable data, bad evaluation inputs) to `UsageError` (exit 2).
 */
import { InvalidArgumentError } from 'commander';
import { DataError } from '../data/errors';
import { EvalInputError } from '../eval/errors';
import { UsageError } from './errors';

/** A commander parser for integers `>= min`. */
export function intArg(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

/** Repeatable `--set key=value` collector. */
export function collectSets(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A commander parser for integers ≥ 1 whose error names the flag (a usage error, exit 2). */
export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${flag} must be an integer ≥ 1, got '${value}'`);
    return n;
  };
}

/** Runs `work`, turning data and evaluation input errors into usage errors (exit 2). */
export async function asUsage<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DataError || e instanceof EvalInputError) throw new UsageError(e.message);
    throw e;
  }
}
