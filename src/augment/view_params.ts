/**
 * The random parameters of one view of a batch, drawn on the host from an `Rng`.
 *
 * Every sample draws the same sequence (crop, flips, jitter gate and four factors, grayscale,
 * blur gate and sigma, solarize) whatever the probabilities, so changing one probability in a
 * recipe does not reshuffle the others (only the crop's number of tries depends on its ranges).
 * One jitter order is drawn per batch after the samples. Samples an op does not touch get its
 * identity value (factor 1, shift 0, sigma 0, mask 0).
 */
import type { Rng } from '../util/random';
import { cropBox, sampleCropRect } from './crop';
import type { ViewConfig } from './schema';

export interface ViewParams {
  batch: number;
  /** `[B * 4]` normalised crop boxes `[y1, x1, y2, x2]`, corners swapped for flips. */
  boxes: Float32Array;
  /** `[B]` 1 where the sample is mirrored left-right (already folded into `boxes`). */
  flipHorizontal: Uint8Array;
  /** `[B]` 1 where the sample is mirrored upside-down (already folded into `boxes`). */
  flipVertical: Uint8Array;
  /** `[B]` brightness factors (1 where not jittered). */
  brightness: Float32Array;
  /** `[B]` contrast factors. */
  contrast: Float32Array;
  /** `[B]` saturation factors. */
  saturation: Float32Array;
  /** `[B]` hue shifts in turns (0 where not jittered). */
  hue: Float32Array;
  /** The jitter order for the whole batch (0 brightness, 1 contrast, 2 saturation, 3 hue). */
  jitterOrder: number[];
  /** `[B]` 1 where the sample becomes grayscale. */
  grayscale: Uint8Array;
  /** `[B]` blur sigma in pixels (0 = no blur). */
  blurSigma: Float32Array;
  /** `[B]` 1 where the sample is solarized. */
  solarize: Uint8Array;
}

function factor(rng: Rng, strength: number): number {
  const value = rng.uniform(Math.max(0, 1 - strength), 1 + strength);
  return strength === 0 ? 1 : value;
}

/**
 * Draws the parameters of one view for a batch of `height x width` images.
 * @param rng advanced by this call; the same state gives the same parameters.
 */
export function sampleViewParams(
  rng: Rng,
  config: ViewConfig,
  batch: number,
  height: number,
  width: number,
): ViewParams {
  const p: ViewParams = {
    batch,
    boxes: new Float32Array(batch * 4),
    flipHorizontal: new Uint8Array(batch),
    flipVertical: new Uint8Array(batch),
    brightness: new Float32Array(batch),
    contrast: new Float32Array(batch),
    saturation: new Float32Array(batch),
    hue: new Float32Array(batch),
    jitterOrder: [0, 1, 2, 3],
    grayscale: new Uint8Array(batch),
    blurSigma: new Float32Array(batch),
    solarize: new Uint8Array(batch),
  };
  const jitter = config.colorJitter;
  for (let b = 0; b < batch; b++) {
    const rect = sampleCropRect(rng, height, width, config.crop);
    p.flipHorizontal[b] = rng.bernoulli(config.horizontalFlip.probability) ? 1 : 0;
    p.flipVertical[b] = rng.bernoulli(config.verticalFlip.probability) ? 1 : 0;
    p.boxes.set(
      cropBox(rect, height, width, p.flipHorizontal[b] === 1, p.flipVertical[b] === 1),
      b * 4,
    );

    const jittered = rng.bernoulli(jitter.probability);
    const factors = [
      factor(rng, jitter.brightness),
      factor(rng, jitter.contrast),
      factor(rng, jitter.saturation),
    ];
    const shift = jitter.hue === 0 ? (rng.next(), 0) : rng.uniform(-jitter.hue, jitter.hue);
    p.brightness[b] = jittered ? factors[0] : 1;
    p.contrast[b] = jittered ? factors[1] : 1;
    p.saturation[b] = jittered ? factors[2] : 1;
    p.hue[b] = jittered ? shift : 0;

    p.grayscale[b] = rng.bernoulli(config.grayscale.probability) ? 1 : 0;
    const blurred = rng.bernoulli(config.blur.probability);
    const sigma = rng.uniform(config.blur.sigma[0], config.blur.sigma[1]);
    p.blurSigma[b] = blurred ? sigma : 0;
    p.solarize[b] = rng.bernoulli(config.solarize.probability) ? 1 : 0;
  }
  const order = rng.shuffle([0, 1, 2, 3]);
  if (jitter.randomOrder) p.jitterOrder = order;
  return p;
}
