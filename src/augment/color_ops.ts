/**
 * Per-sample colour adjustments on a batch `[B, H, W, 3]` in [0, 1], following torchvision's
 * `functional_tensor` definitions (each result clipped to [0, 1]):
 *
 * - brightness: `clip(f * x)`
 * - contrast:   `clip(f * x + (1 - f) * mean(luma(x)))`, the mean over the whole image
 * - saturation: `clip(f * x + (1 - f) * luma(x))`
 * - hue:        YIQ rotation by the shift (see `color_matrix.ts`), then clip
 * - grayscale:  `luma(x)` in all three channels, luma = 0.299 R + 0.587 G + 0.114 B (ITU-R 601)
 *
 * A factor of 1 (shift 0, mask 0) leaves a sample exactly unchanged.
 */
import { tf } from '../engine/tf';
import {
  applyColorMatrices,
  grayscaleMatrices,
  hueMatrices,
  saturationMatrices,
  GRAY_WEIGHTS,
} from './color_matrix';
import { assertImages, perImage, perSampleTensor, type PerSample } from './per_sample';

/**
 * @param images `[B, H, W, 3]` float32 in [0, 1].
 * @param factors `[B]`, >= 0.
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function adjustBrightness(images: tf.Tensor4D, factors: PerSample): tf.Tensor4D {
  assertImages('adjustBrightness', images);
  return tf.tidy(() => {
    const f = perImage(perSampleTensor('adjustBrightness', 'factors', factors, images.shape[0]));
    return tf.clipByValue(tf.mul(images, f), 0, 1) as tf.Tensor4D;
  });
}

/**
 * @param images `[B, H, W, 3]` float32 in [0, 1].
 * @param factors `[B]`, >= 0; 0 gives a flat image at the mean luma.
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function adjustContrast(images: tf.Tensor4D, factors: PerSample): tf.Tensor4D {
  assertImages('adjustContrast', images);
  return tf.tidy(() => {
    const f = perImage(perSampleTensor('adjustContrast', 'factors', factors, images.shape[0]));
    const channelMeans = tf.mean(images, [1, 2]); // [B, 3]
    const lumaMean = tf.sum(
      tf.mul(channelMeans, tf.tensor1d(GRAY_WEIGHTS as unknown as number[])),
      -1,
    ); // [B]
    const offset = tf.mul(tf.sub(1, f), perImage(lumaMean as tf.Tensor1D)); // [B, 1, 1, 1]
    return tf.clipByValue(tf.add(tf.mul(images, f), offset), 0, 1) as tf.Tensor4D;
  });
}

/**
 * @param images `[B, H, W, 3]` float32 in [0, 1].
 * @param factors `[B]`, >= 0; 0 = grayscale, 1 = unchanged.
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function adjustSaturation(images: tf.Tensor4D, factors: PerSample): tf.Tensor4D {
  assertImages('adjustSaturation', images);
  return tf.tidy(() => applyColorMatrices(images, saturationMatrices(factors, images.shape[0])));
}

/**
 * Hue shift by the YIQ rotation approximation (not HSV; see `color_matrix.ts`).
 * @param images `[B, H, W, 3]` float32 in [0, 1].
 * @param shifts `[B]` in turns, `[-0.5, 0.5]`.
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function adjustHue(images: tf.Tensor4D, shifts: PerSample): tf.Tensor4D {
  assertImages('adjustHue', images);
  return tf.tidy(() => applyColorMatrices(images, hueMatrices(shifts, images.shape[0])));
}

/**
 * Replaces the masked samples by their ITU-R 601 luma in all three channels.
 * @param images `[B, H, W, 3]` float32 in [0, 1].
 * @param mask `[B]` of 0/1.
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function randomGrayscale(images: tf.Tensor4D, mask: PerSample): tf.Tensor4D {
  assertImages('randomGrayscale', images);
  return tf.tidy(() => applyColorMatrices(images, grayscaleMatrices(mask, images.shape[0]), false));
}

/** The four jitter adjustments, indexed by `JitterFactors` order 0..3. */
export const JITTER_OPS = Object.freeze([
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustHue,
]);

/** Per-sample factors of a colour jitter; identity values (1, 1, 1, 0) skip a sample. */
export interface JitterFactors {
  /** `[B]` brightness factors. */
  brightness: PerSample;
  /** `[B]` contrast factors. */
  contrast: PerSample;
  /** `[B]` saturation factors. */
  saturation: PerSample;
  /** `[B]` hue shifts in turns. */
  hue: PerSample;
}

/**
 * Colour jitter: the four adjustments in `order` (0 brightness, 1 contrast, 2 saturation, 3 hue;
 * default the fixed order). One order serves the whole batch.
 * @param skip indices of adjustments to leave out (e.g. those whose factors are all identity).
 * @returns `[B, H, W, 3]` in [0, 1].
 */
export function colorJitter(
  images: tf.Tensor4D,
  factors: JitterFactors,
  order: readonly number[] = [0, 1, 2, 3],
  skip: ReadonlySet<number> = new Set(),
): tf.Tensor4D {
  assertImages('colorJitter', images);
  const sorted = [...order].sort();
  if (sorted.length !== 4 || sorted.some((v, i) => v !== i)) {
    throw new Error(
      `colorJitter: order must be a permutation of [0, 1, 2, 3], got [${order.join(', ')}]`,
    );
  }
  const values = [factors.brightness, factors.contrast, factors.saturation, factors.hue];
  return tf.tidy(() => {
    let out: tf.Tensor4D = images;
    for (const index of order) {
      if (!skip.has(index)) out = JITTER_OPS[index](out, values[index]);
    }
    return out === images ? tf.clone(images) : out;
  });
}
