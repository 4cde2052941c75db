/**
 * Boundary validation shared by the losses. Every message names the calling function and the
 * argument (principle 9), e.g. `infoNce: options.temperature must be a finite number > 0, got 0`.
 */
import { tf } from '../engine/tf';

/** Throws unless `x` is a rank-2 tensor with at least `minRows` rows and one column. */
export function assertMatrix(
  x: unknown,
  fn: string,
  arg: string,
  minRows = 1,
): asserts x is tf.Tensor2D {
  if (!(x instanceof tf.Tensor)) {
    throw new Error(`${fn}: ${arg} must be a tf.Tensor of shape [rows, dim], got ${typeof x}`);
  }
  if (x.rank !== 2) {
    throw new Error(`${fn}: ${arg} must have rank 2 ([rows, dim]), got shape [${x.shape}]`);
  }
  if (x.shape[0] < minRows || x.shape[1] < 1) {
    throw new Error(
      `${fn}: ${arg} must have at least ${minRows} row(s) and 1 column, got shape [${x.shape}]`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new Error(`${fn}: ${arg} must be float32, got ${x.dtype}`);
  }
}

/** Throws unless `a` and `b` have identical shapes. */
export function assertSameShape(
  a: tf.Tensor,
  b: tf.Tensor,
  fn: string,
  argA: string,
  argB: string,
): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(
      `${fn}: ${argA} and ${argB} must have the same shape, got [${a.shape}] and [${b.shape}]`,
    );
  }
}

/** Throws unless `value` is a finite number > 0. */
export function assertPositive(value: unknown, fn: string, arg: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${fn}: ${arg} must be a finite number > 0, got ${String(value)}`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertInteger(
  value: unknown,
  fn: string,
  arg: string,
  min: number,
  max = Infinity,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new Error(`${fn}: ${arg} must be an integer ${range}, got ${String(value)}`);
  }
}
