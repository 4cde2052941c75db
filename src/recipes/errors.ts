/**
 * `RecipeError`: a recipe that cannot be read or does not validate. The message lists every
 * problem as `<path> <expectation>, got <value>`, e.g. `train.batch must be an integer ≥ 2, got 0`.
 * The CLI turns it into exit code 2.
 */
import type { z } from 'zod';

export class RecipeError extends Error {
  /** One line per problem, without the file prefix. */
  readonly problems: string[];

  constructor(message: string, problems: string[] = [message]) {
    super(message);
    this.name = 'RecipeError';
    this.problems = problems;
  }
}

/** A short JSON rendering of a value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * Zod issues as `<prefix><path> <message>, got <value>` lines.
 * @param input what was parsed (to quote the offending value).
 * @param prefix path segments in front of each issue's path (e.g. `['framework']`).
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  prefix: readonly string[] = [],
): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)].join('.') || '(recipe)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `'${k}'`).join(', ');
      return `${path} has unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    const got = 'input' in issue ? issue.input : valueAt(input, issue.path);
    return `${path} ${issue.message}, got ${describeValue(got)}`;
  });
}
