/**
 * Several views of the same batch: a list of `SingleViewTransform`s, one output tensor each
 * (lightly's `MultiViewTransform`). A config's view groups are expanded by `count`, in order, so
 * SwAV's multi-crop `[{ count: 2, size: 112 }, { count: 4, size: 48 }]` gives two global views
 * followed by four local ones; BYOL's two groups give its asymmetric pair.
 */
import { tf } from '../engine/tf';
import type { Rng } from '../util/random';
import { assertImages } from './per_sample';
import { resolveAugmentConfig, validateAugmentConfig, type AugmentOverrides } from './resolve';
import type { AugmentPresetName } from './presets';
import type { AugmentConfig } from './schema';
import { SingleViewTransform } from './single_view_transform';

export class MultiViewTransform {
  /** The view pipelines in output order. */
  readonly transforms: readonly SingleViewTransform[];

  /** @param transforms at least one view pipeline. */
  constructor(transforms: SingleViewTransform[]) {
    if (!Array.isArray(transforms) || transforms.length === 0) {
      throw new Error(
        `MultiViewTransform: transforms must be a non-empty array, got ${JSON.stringify(transforms)}`,
      );
    }
    this.transforms = Object.freeze([...transforms]);
  }

  /** One pipeline per view: each group of `config.views` repeated `count` times. */
  static fromConfig(config: AugmentConfig): MultiViewTransform {
    const valid = validateAugmentConfig(config, 'MultiViewTransform.fromConfig');
    return new MultiViewTransform(
      valid.views.flatMap((group) => {
        const transform = new SingleViewTransform(group);
        return Array.from({ length: group.count }, () => transform);
      }),
    );
  }

  /** `fromConfig(resolveAugmentConfig(preset, overrides))`. */
  static fromPreset(
    preset: AugmentPresetName,
    overrides: AugmentOverrides = {},
  ): MultiViewTransform {
    return MultiViewTransform.fromConfig(resolveAugmentConfig(preset, overrides));
  }

  /** The number of views `apply` returns. */
  get viewCount(): number {
    return this.transforms.length;
  }

  /** The side in pixels of each view, in output order. */
  get sizes(): number[] {
    return this.transforms.map((t) => t.size);
  }

  /**
   * Makes every view of the batch. View i draws from `rng.fork('view<i>')`, so a view's
   * parameters do not depend on how many numbers earlier views drew.
   * @param images `[B, H, W, 3]` float32 in [0, 1].
   * @returns one `[B, size_i, size_i, 3]` tensor per view; the caller disposes them.
   * @example
   * const views = MultiViewTransform.fromPreset('simclr', { views: [{ size: 64 }] }).apply(batch, rng);
   * // ... use views[0], views[1]
   * tf.dispose(views);
   */
  apply(images: tf.Tensor4D, rng: Rng): tf.Tensor4D[] {
    assertImages('MultiViewTransform.apply', images);
    const out: tf.Tensor4D[] = [];
    try {
      this.transforms.forEach((transform, i) =>
        out.push(transform.apply(images, rng.fork(`view${i}`))),
      );
    } catch (error) {
      tf.dispose(out);
      throw error;
    }
    return out;
  }
}
