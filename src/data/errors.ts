/**
 * The one error class of the data layer. Every message names the function, the argument and the
 * offending value (a path, a line number, a size), so that a user can act on it without a stack
 * trace: `identityFolderSource: root '/x' does not exist`.
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** A short, single-line description of an unknown thrown value (for `skipped` reasons). */
export function describeError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim();
}
