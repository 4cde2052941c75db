/**
 * Per-sample parameters of the batched ops. Each op takes one value per image, either as a small
 * tensor `[B]` / `[B, k]` or as a plain array (uploaded as a small tensor); this module checks
 * lengths and converts, naming the op and argument on a mismatch.
 */
import { tf } from '../engine/tf';

/** One value per sample: a `[B]` tensor or an array of length B. */
export type PerSample = tf.Tensor1D | ArrayLike<number>;

/** Throws unless `images` is a float32 `[B, H, W, 3]` tensor. */
export function assertImages(fn: string, images: tf.Tensor): asserts images is tf.Tensor4D {
  if (!(images instanceof tf.Tensor)) {
    throw new Error(`${fn}: images must be a tf.Tensor [B, H, W, 3], got ${typeof images}`);
  }
  if (images.rank !== 4 || images.shape[3] !== 3) {
    throw new Error(`${fn}: images must have shape [B, H, W, 3], got [${images.shape.join(', ')}]`);
  }
  if (images.dtype !== 'float32') {
    throw new Error(`${fn}: images must be float32 in [0, 1], got dtype ${images.dtype}`);
  }
}

/** The values as a `[B]` float32 tensor (the caller disposes it, or calls inside `tidy`). */
export function perSampleTensor(
  fn: string,
  argument: string,
  values: PerSample,
  batch: number,
): tf.Tensor1D {
  const length = values instanceof tf.Tensor ? values.size : values.length;
  if (length !== batch || (values instanceof tf.Tensor && values.rank !== 1)) {
    const shape = values instanceof tf.Tensor ? `[${values.shape.join(', ')}]` : `length ${length}`;
    throw new Error(`${fn}: ${argument} must have one value per image (${batch}), got ${shape}`);
  }
  return values instanceof tf.Tensor
    ? tf.cast(values, 'float32')
    : tf.tensor1d(Array.from(values), 'float32');
}

/** The values as a host array (a tensor is read synchronously; it is small). */
export function perSampleArray(
  fn: string,
  argument: string,
  values: PerSample,
  batch: number,
): Float32Array {
  const host =
    values instanceof tf.Tensor ? (values.dataSync() as Float32Array) : Float32Array.from(values);
  if (host.length !== batch) {
    throw new Error(
      `${fn}: ${argument} must have one value per image (${batch}), got length ${host.length}`,
    );
  }
  return host;
}

/** `values` reshaped to `[B, 1, 1, 1]` for broadcasting over images. */
export function perImage(values: tf.Tensor1D): tf.Tensor4D {
  return tf.reshape(values, [values.shape[0], 1, 1, 1]);
}
