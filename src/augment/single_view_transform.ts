/**
 * One view of a batch: the SimCLR pipeline as batched tensor ops with per-sample parameters.
 *
 * Order (lightly / torchvision): random resized crop + flips (one `cropAndResize`), colour jitter
 * (with probability; fixed or per-batch random order), random grayscale, Gaussian blur,
 * solarization, normalisation. Ops whose parameters are the identity for the whole batch are
 * skipped, so `probability: 0` costs nothing.
 */
import { tf } from '../engine/tf';
import type { Rng } from '../util/random';
import { autoKernelSize, gaussianBlur } from './blur';
import { colorJitter, randomGrayscale } from './color_ops';
import { cropResize } from './crop';
import { normalize, solarize } from './point_ops';
import { assertImages } from './per_sample';
import { validateAugmentConfig } from './resolve';
import type { ViewConfig } from './schema';
import { sampleViewParams, type ViewParams } from './view_params';

function allEqual(values: ArrayLike<number>, value: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== value) return false;
  return true;
}

export class SingleViewTransform {
  /** The validated view config (its `count` is ignored here; `MultiViewTransform` uses it). */
  readonly config: ViewConfig;
  /** Side of the output view in pixels. */
  readonly size: number;
  /** Gaussian kernel side used for this view. */
  readonly kernelSize: number;

  /**
   * @param config one view group (e.g. `resolveAugmentConfig('simclr').views[0]`).
   * @throws AugmentConfigError naming the invalid field and its value.
   */
  constructor(config: ViewConfig) {
    this.config = validateAugmentConfig({ views: [config] }, 'SingleViewTransform').views[0];
    this.size = this.config.size;
    const blur = this.config.blur;
    this.kernelSize = blur.kernelSize ?? autoKernelSize(blur.sigma[1], this.size);
    if (this.kernelSize >= 2 * this.size) {
      throw new Error(
        `SingleViewTransform: blur.kernelSize must be < 2 * size = ${2 * this.size}, got ${this.kernelSize}`,
      );
    }
  }

  /** Draws this view's parameters for a batch of `height x width` images. */
  sample(rng: Rng, batch: number, height: number, width: number): ViewParams {
    return sampleViewParams(rng, this.config, batch, height, width);
  }

  /**
   * Applies given parameters (from `sample`).
   * @param images `[B, H, W, 3]` float32 in [0, 1].
   * @returns `[B, size, size, 3]`: in [0, 1], or normalised when `config.normalize` is set.
   */
  applyParams(images: tf.Tensor4D, params: ViewParams): tf.Tensor4D {
    assertImages('SingleViewTransform.applyParams', images);
    if (params.batch !== images.shape[0]) {
      throw new Error(
        `SingleViewTransform.applyParams: params are for batch ${params.batch}, got images of batch ${images.shape[0]}`,
      );
    }
    const { config } = this;
    return tf.tidy(() => {
      let x = cropResize(images, params.boxes, this.size);
      const skip = new Set<number>();
      if (allEqual(params.brightness, 1)) skip.add(0);
      if (allEqual(params.contrast, 1)) skip.add(1);
      if (allEqual(params.saturation, 1)) skip.add(2);
      if (allEqual(params.hue, 0)) skip.add(3);
      if (skip.size < 4) {
        const factors = {
          brightness: params.brightness,
          contrast: params.contrast,
          saturation: params.saturation,
          hue: params.hue,
        };
        x = colorJitter(x, factors, params.jitterOrder, skip);
      }
      if (!allEqual(params.grayscale, 0)) x = randomGrayscale(x, params.grayscale);
      if (!allEqual(params.blurSigma, 0)) x = gaussianBlur(x, params.blurSigma, this.kernelSize);
      if (!allEqual(params.solarize, 0))
        x = solarize(x, params.solarize, config.solarize.threshold);
      if (config.normalize) x = normalize(x, config.normalize.mean, config.normalize.std);
      return x;
    });
  }

  /**
   * Draws parameters from `rng` and applies them.
   * @param images `[B, H, W, 3]` float32 in [0, 1].
   * @returns `[B, size, size, 3]`; the caller disposes it.
   * @example
   * const view = new SingleViewTransform(resolveAugmentConfig('face').views[0]);
   * const out = view.apply(images, new Rng(42));
   */
  apply(images: tf.Tensor4D, rng: Rng): tf.Tensor4D {
    assertImages('SingleViewTransform.apply', images);
    const [batch, height, width] = images.shape;
    return this.applyParams(images, this.sample(rng, batch, height, width));
  }
}
