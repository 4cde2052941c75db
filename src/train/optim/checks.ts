/**
 * Argument checks shared by the optimizers, schedules and clipping functions. Each throws an
 * `Error` naming the function, the argument and the offending value, e.g.
 * `SgdOptimizer: options.momentum must be in [0, 1), got 1`.
 */

/** Throws unless `value` is a finite number `>= 0`. */
export function checkNonNegative(fn: string, arg: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${fn}: ${arg} must be a finite number >= 0, got ${value}`);
  }
}

/** Throws unless `value` is a finite number `> 0`. */
export function checkPositive(fn: string, arg: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${fn}: ${arg} must be a finite number > 0, got ${value}`);
  }
}

/** Throws unless `value` lies in the half-open interval [0, 1). */
export function checkUnitInterval(fn: string, arg: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new Error(`${fn}: ${arg} must be in [0, 1), got ${value}`);
  }
}

/** Throws unless `value` is an integer `>= 0`. */
export function checkCount(fn: string, arg: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${fn}: ${arg} must be an integer >= 0, got ${value}`);
  }
}
