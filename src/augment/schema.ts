/**
 * The one typed schema of an augmentation config (zod 4). Presets (`presets.ts`) and recipe
 * overrides (`resolveAugmentConfig`) both end up here; the types below are inferred from it, so the
 * schema is the single source of truth for field names, ranges and meaning.
 *
 * Every size and sigma is in pixels of the *output view*; every probability is per sample.
 */
import { z } from 'zod';

const probability = z
  .number({ error: 'must be a number' })
  .min(0, { error: 'must be in [0, 1]' })
  .max(1, { error: 'must be in [0, 1]' });

const nonNegative = z.number({ error: 'must be a number' }).min(0, { error: 'must be >= 0' });

/** A `[low, high]` pair with `low <= high`, both checked by `item`. */
function range(item: z.ZodNumber) {
  return z
    .tuple([item, item], { error: 'must be a [low, high] pair' })
    .refine(([low, high]) => low <= high, { error: 'must have low <= high' });
}

const rgb = z.tuple([z.number(), z.number(), z.number()], { error: 'must be an [r, g, b] triple' });

export const CropSchema = z.strictObject({
  /** Area of the crop as a fraction of the input area, `[min, max]` in (0, 1]. */
  scale: range(z.number().gt(0, { error: 'must be > 0' }).max(1, { error: 'must be <= 1' })),
  /** Aspect ratio (width / height) of the crop, `[min, max]`, sampled log-uniformly. */
  ratio: range(z.number().gt(0, { error: 'must be > 0' })),
});

export const ColorJitterSchema = z.strictObject({
  /** Chance that a sample is jittered at all. */
  probability,
  /** Brightness factor drawn from `[max(0, 1 - b), 1 + b]`. */
  brightness: nonNegative,
  /** Contrast factor drawn from `[max(0, 1 - c), 1 + c]`. */
  contrast: nonNegative,
  /** Saturation factor drawn from `[max(0, 1 - s), 1 + s]`. */
  saturation: nonNegative,
  /** Hue shift drawn from `[-h, h]` in turns (1 = 360 degrees), `h <= 0.5`. */
  hue: nonNegative.max(0.5, { error: 'must be <= 0.5' }),
  /** Apply the four adjustments in a random order (one order per batch) instead of b, c, s, h. */
  randomOrder: z.boolean({ error: 'must be a boolean' }),
});

export const BlurSchema = z.strictObject({
  /** Chance that a sample is blurred. */
  probability,
  /** Gaussian sigma `[min, max]` in output pixels, drawn uniformly per sample. */
  sigma: range(z.number().gt(0, { error: 'must be > 0' })),
  /** Odd kernel side; `null` picks `2 * ceil(3 * sigma[1]) + 1`, capped below the view size. */
  kernelSize: z
    .number()
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be >= 1' })
    .refine((k) => k % 2 === 1, { error: 'must be odd' })
    .nullable(),
});

export const SolarizeSchema = z.strictObject({
  /** Chance that a sample is solarized. */
  probability,
  /** Pixels `>= threshold` become `1 - x`. */
  threshold: probability,
});

export const NormalizeSchema = z.strictObject({
  /** Per-channel mean subtracted last. */
  mean: rgb,
  /** Per-channel std divided by last; each > 0. */
  std: z.tuple(
    [
      z.number().gt(0, { error: 'must be > 0' }),
      z.number().gt(0, { error: 'must be > 0' }),
      z.number().gt(0, { error: 'must be > 0' }),
    ],
    { error: 'must be an [r, g, b] triple' },
  ),
});

/** One group of identical views: `count` views of side `size` made by the same pipeline. */
export const ViewSchema = z.strictObject({
  /** How many views of this kind each image gets. */
  count: z.number().int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' }),
  /** Output side in pixels (views are square). */
  size: z
    .number()
    .int({ error: 'must be an integer' })
    .min(2, { error: 'must be >= 2' })
    .max(2048, { error: 'must be <= 2048' }),
  crop: CropSchema,
  horizontalFlip: z.strictObject({ probability }),
  verticalFlip: z.strictObject({ probability }),
  colorJitter: ColorJitterSchema,
  grayscale: z.strictObject({ probability }),
  blur: BlurSchema,
  solarize: SolarizeSchema,
  /** `null` leaves the view in [0, 1]. */
  normalize: NormalizeSchema.nullable(),
});

export const AugmentConfigSchema = z.strictObject({
  /** View groups in output order (e.g. SwAV: 2 global, then the local ones). */
  views: z.array(ViewSchema).min(1, { error: 'must list at least one view' }),
});

export type CropConfig = z.infer<typeof CropSchema>;
export type ColorJitterConfig = z.infer<typeof ColorJitterSchema>;
export type BlurConfig = z.infer<typeof BlurSchema>;
export type SolarizeConfig = z.infer<typeof SolarizeSchema>;
export type NormalizeConfig = z.infer<typeof NormalizeSchema>;
export type ViewConfig = z.infer<typeof ViewSchema>;
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;
