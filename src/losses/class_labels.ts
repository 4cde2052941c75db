/**
 * Class labels for the margin and metric losses: validated at the boundary (principle 9) and
 * turned into constant 0/1 masks, so that no loss needs `gather` (whose gradient the stock wasm
 * backend lacks). Masks are built in JS from the label values and carry no gradient.
 */
import { tf } from '../engine/tf';

/** Labels as an int32 (or integer-valued float) tensor of shape [N], or plain numbers. */
export type ClassLabels = tf.Tensor1D | ArrayLike<number>;

/**
 * Reads and checks labels: length `rows`, integers in [0, classes).
 *
 * @param classes number of classes; `Infinity` checks only that labels are integers ≥ 0.
 * @throws Error naming `fn` and `arg` for a wrong rank or length, a non-integer or an out-of-range
 *   label, e.g. `arcfaceLogits: labels[2] must be an integer in [0, 10), got 10`.
 */
export function readLabels(
  labels: ClassLabels,
  rows: number,
  classes: number,
  fn: string,
  arg = 'labels',
): Int32Array {
  let values: ArrayLike<number>;
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) {
      throw new Error(`${fn}: ${arg} must have rank 1 ([N]), got shape [${labels.shape}]`);
    }
    values = labels.dataSync() as ArrayLike<number>;
  } else if (labels !== null && typeof labels === 'object' && typeof labels.length === 'number') {
    values = labels;
  } else {
    throw new Error(
      `${fn}: ${arg} must be a tf.Tensor1D or an array of integers, got ${typeof labels}`,
    );
  }
  if (values.length !== rows) {
    throw new Error(`${fn}: ${arg} must have length ${rows} (one per row), got ${values.length}`);
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= classes) {
      const range = classes === Infinity ? '>= 0' : `in [0, ${classes})`;
      throw new Error(`${fn}: ${arg}[${i}] must be an integer ${range}, got ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}

/** [N, C] float32 one-hot rows of `labels` (a constant). */
export function oneHotMask(labels: Int32Array, classes: number): tf.Tensor2D {
  const values = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => (values[i * classes + label] = 1));
  return tf.tensor2d(values, [labels.length, classes]);
}

/** [N, N] float32 masks of same-label pairs (i ≠ j) and different-label pairs. */
export function pairMasks(labels: Int32Array): { positive: tf.Tensor2D; negative: tf.Tensor2D } {
  const n = labels.length;
  const positive = new Float32Array(n * n);
  const negative = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (labels[i] === labels[j]) positive[i * n + j] = i === j ? 0 : 1;
      else negative[i * n + j] = 1;
    }
  }
  return { positive: tf.tensor2d(positive, [n, n]), negative: tf.tensor2d(negative, [n, n]) };
}

/**
 * Shared checks of a margin transform: `cos` is float32 [N, C]; labels are valid for it.
 *
 * @returns the label values.
 */
export function checkCosineLogits(cos: unknown, labels: ClassLabels, fn: string): Int32Array {
  if (!(cos instanceof tf.Tensor)) {
    throw new Error(`${fn}: cos must be a tf.Tensor of shape [N, classes], got ${typeof cos}`);
  }
  if (cos.rank !== 2 || cos.shape[0] < 1 || cos.shape[1] < 1) {
    throw new Error(
      `${fn}: cos must have shape [N, classes] with N, classes ≥ 1, got [${cos.shape}]`,
    );
  }
  if (cos.dtype !== 'float32') throw new Error(`${fn}: cos must be float32, got ${cos.dtype}`);
  return readLabels(labels, cos.shape[0], cos.shape[1], fn);
}

/** ε of the clamp cos ∈ [−1 + ε, 1 − ε] before acos and √(1 − cos²), so gradients stay finite. */
export const COS_EPSILON = 1e-6;

/** cos clamped into [−1 + ε, 1 − ε]. */
export function clampCosine(cos: tf.Tensor): tf.Tensor {
  return tf.clipByValue(cos, -1 + COS_EPSILON, 1 - COS_EPSILON);
}
