/**
 * Exit codes: 0 ok, 1 the run failed, 2 bad usage or bad input (recipe, data, flags).
 * Throw `UsageError` for anything the user can fix by changing what they typed.
 */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
