/**
 * Turning a uint8 batch into the float32 tensor models take: `[B, S, S, 3]`, values in [0, 1].
 * The conversion runs in plain JavaScript, so no intermediate tensor is created (nothing to leak).
 */
import { tf } from '../engine/tf';
import { DataError } from './errors';
import type { Batch } from './loader';

/**
 * `images` (B×S×S×3 uint8, HWC) as a float32 `[B, S, S, 3]` tensor scaled to [0, 1]. The caller
 * owns (and disposes) the tensor.
 *
 * @throws DataError when `images.length` is not `batchSize * size * size * 3`.
 * @example
 * const x = imagesToTensor(batch.images, batch.images.length / (64 * 64 * 3), 64); // [B, 64, 64, 3]
 */
export function imagesToTensor(images: Uint8Array, batchSize: number, size: number): tf.Tensor4D {
  const expected = batchSize * size * size * 3;
  if (images.length !== expected) {
    throw new DataError(
      `imagesToTensor: images has ${images.length} bytes, expected ${batchSize}x${size}x${size}x3 = ${expected}`,
    );
  }
  const values = new Float32Array(expected);
  const scale = 1 / 255;
  for (let i = 0; i < expected; i++) values[i] = images[i] * scale;
  return tf.tensor4d(values, [batchSize, size, size, 3], 'float32');
}

/** A loader batch as a float32 `[B, S, S, 3]` tensor in [0, 1]; the caller disposes it. */
export function batchToTensor(batch: Batch): tf.Tensor4D {
  return imagesToTensor(batch.images, batch.indices.length, batch.size);
}
