/**
 * Pointwise ops that end a view: solarization (BYOL) and channel normalisation.
 *
 * Solarization inverts pixels at or above `threshold`, `x >= t ? 1 - x : x`, in the masked
 * samples only. For the usual threshold 0.5 this is `x - 2 m relu(x - 0.5)` with the mask m per
 * sample: four cheap elementwise ops (wasm's `Minimum` and `Select` are several times slower).
 *
 * Normalisation is `(x - mean) / std` per channel. Defaults: ImageNet statistics
 * (`IMAGENET_NORMALIZE`) for the generic presets, 0.5 / 0.5 (`FACE_NORMALIZE`, giving [-1, 1]) for
 * `face`.
 */
import { tf } from '../engine/tf';
import { assertImages, perImage, perSampleTensor, type PerSample } from './per_sample';

/**
 * @param images `[B, H, W, 3]` float32 in [0, 1].
 * @param mask `[B]` of 0/1: which samples to solarize.
 * @param threshold in [0, 1] (default 0.5).
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function solarize(images: tf.Tensor4D, mask: PerSample, threshold = 0.5): tf.Tensor4D {
  assertImages('solarize', images);
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new Error(`solarize: threshold must be in [0, 1], got ${threshold}`);
  }
  return tf.tidy(() => {
    const m = perImage(perSampleTensor('solarize', 'mask', mask, images.shape[0])); // [B, 1, 1, 1]
    if (threshold === 0.5) {
      // x >= 0.5: x - 2 (x - 0.5) = 1 - x; x < 0.5: x
      return tf.sub(images, tf.mul(tf.relu(tf.sub(images, 0.5)), tf.mul(m, 2)));
    }
    const flip = tf.mul(tf.cast(tf.greaterEqual(images, threshold), 'float32'), m);
    return tf.add(images, tf.mul(flip, tf.sub(1, tf.mul(images, 2))));
  });
}

/**
 * @param images `[B, H, W, 3]` float32.
 * @param mean `[r, g, b]`. @param std `[r, g, b]`, each > 0.
 * @returns `[B, H, W, 3]`.
 */
export function normalize(
  images: tf.Tensor4D,
  mean: readonly number[],
  std: readonly number[],
): tf.Tensor4D {
  assertImages('normalize', images);
  if (mean.length !== 3)
    throw new Error(`normalize: mean must have 3 values, got [${mean.join(', ')}]`);
  if (std.length !== 3 || std.some((s) => !(s > 0))) {
    throw new Error(`normalize: std must be 3 values > 0, got [${std.join(', ')}]`);
  }
  // one fused pass (wasm FusedBatchNorm): (x - mean) * scale / sqrt(1 + 0), scale = 1 / std
  return tf.tidy(() =>
    tf.batchNorm(
      images,
      tf.tensor1d([...mean]),
      tf.ones([3]) as tf.Tensor1D,
      undefined,
      tf.tensor1d(std.map((s) => 1 / s)),
      0,
    ),
  );
}
