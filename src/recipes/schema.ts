/**
 * The one typed schema of a pretraining recipe (zod 4). Every default lives here; recipe files
 * (`recipes/pretrain/*.json`) only say what differs. Objects are strict: an unknown key is an
 * error naming its path. The framework's own options (`framework.temperature`, ...) are checked
 * afterwards by the framework's `optionsSchema` (see `resolve.ts`), the augmentation overrides by
 * `resolveAugmentConfig`.
 *
 * Paths in a recipe (`data.path`, `data.cacheDir`, `train.knn.path`, `output.dir`) are resolved
 * against the working directory by the CLI before a run, and stored absolute in `recipe.json`.
 */
import { z } from 'zod';
import { AUGMENT_PRESET_NAMES } from '../augment/presets';
import { OPTIMIZERS } from '../train/optim/registry';

const integer = (min: number) =>
  z
    .number({ error: `must be an integer ≥ ${min}` })
    .int({ error: `must be an integer ≥ ${min}` })
    .min(min, { error: `must be an integer ≥ ${min}` });
const positive = z
  .number({ error: 'must be a number > 0' })
  .gt(0, { error: 'must be a number > 0' });
const nonNegative = z
  .number({ error: 'must be a number ≥ 0' })
  .min(0, { error: 'must be a number ≥ 0' });
const fraction = z
  .number({ error: 'must be a number in [0, 1)' })
  .min(0, { error: 'must be a number in [0, 1)' })
  .lt(1, { error: 'must be a number in [0, 1)' });

/** Steps of a recipe that sets neither `train.steps` nor `train.epochs`. */
export const DEFAULT_STEPS = 1000;

/** `data.path` value meaning "synthetic faces generated into the cache folder". */
export const SYNTH_DATA = 'synth';

export const DataSchema = z.strictObject({
  /** Image folder or list file; `'synth'` (default) renders synthetic faces into the cache folder. */
  path: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .default(SYNTH_DATA),
  /** `folder`: every image at any depth, unlabeled; `identity`: `root/<id>/<img>`; `list`: a list file. */
  kind: z
    .enum(['folder', 'identity', 'list'], { error: "must be 'folder' | 'identity' | 'list'" })
    .default('folder'),
  /** Side of the decoded (cached) images in pixels. */
  size: integer(8).default(64),
  /** Centre crop before resizing: a fraction of the shorter side in (0, 1], or pixels (> 1); null: none. */
  crop: positive.nullable().default(null),
  /** Decoded-image cache folder; null: `FACECLR_CACHE`, else `.cache/faceclr`. */
  cacheDir: z.string({ error: 'must be a string' }).nullable().default(null),
  /** Synthetic faces when `path` is `'synth'`. */
  synth: z
    .strictObject({
      identities: integer(1).default(32),
      imagesPerIdentity: integer(1).default(8),
    })
    .prefault({}),
});

export const AugmentSchema = z.strictObject({
  /** A preset of `AUGMENT_PRESETS` (simclr, moco, byol, simsiam, swav, face). */
  preset: z
    .enum(AUGMENT_PRESET_NAMES as [string, ...string[]], {
      error: `must be one of ${AUGMENT_PRESET_NAMES.join(' | ')}`,
    })
    .default('simclr'),
  /** Deep-merged onto the preset (views merge by index), e.g. `{ "views": [{ "size": 64 }] }`. */
  overrides: z.record(z.string(), z.unknown(), { error: 'must be an object' }).default({}),
});

export const BackboneSchema = z.strictObject({
  /** A key of `BACKBONES` (e.g. `resnet18-narrow`). */
  name: z.string({ error: 'must be a string' }).default('resnet18-narrow'),
  /** Embedding size; null: the backbone's default. */
  embeddingSize: integer(1).nullable().default(null),
  /** Channel width multiplier; null: 1. */
  width: positive.nullable().default(null),
});

/** The framework name plus its own options, checked by `FRAMEWORKS[name].optionsSchema`. */
export const FrameworkSchema = z.looseObject({
  name: z.string({ error: 'must be a string' }).default('simclr'),
});

const optimizerCommon = {
  /** Peak learning rate (after warm-up). */
  lr: nonNegative.default(0.001),
  weightDecay: nonNegative.default(0),
  /** Skip weight decay on batch-norm γ/β and biases (names ending /gamma, /beta, /bias). */
  excludeBiasAndNorm: z.boolean({ error: 'must be true or false' }).default(true),
};
const momentumFields = {
  momentum: fraction.default(0.9),
  nesterov: z.boolean({ error: 'must be true or false' }).default(false),
};
const adamFields = {
  beta1: fraction.default(0.9),
  beta2: fraction.default(0.999),
  epsilon: positive.default(1e-8),
};

export const OptimizerSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({ name: z.literal('sgd'), ...optimizerCommon, ...momentumFields }),
    z.strictObject({
      name: z.literal('adagrad'),
      ...optimizerCommon,
      initialAccumulatorValue: nonNegative.default(0.1),
      epsilon: positive.default(1e-10),
    }),
    z.strictObject({ name: z.literal('adam'), ...optimizerCommon, ...adamFields }),
    z.strictObject({ name: z.literal('adamw'), ...optimizerCommon, ...adamFields }),
    z.strictObject({
      name: z.literal('lars'),
      ...optimizerCommon,
      ...momentumFields,
      trustCoefficient: positive.default(0.001),
    }),
  ],
  { error: `must be one of ${Object.keys(OPTIMIZERS).join(' | ')}` },
);

export const ScheduleSchema = z.strictObject({
  name: z
    .enum(['cosine', 'constant', 'step'], { error: "must be 'cosine' | 'constant' | 'step'" })
    .default('cosine'),
  /** Linear warm-up steps from `warmupStartLr` to `optimizer.lr`. */
  warmupSteps: integer(0).default(0),
  warmupStartLr: nonNegative.default(0),
  /** cosine: the rate reached at the last step. */
  finalLr: nonNegative.default(0),
  /** step: steps at which the rate is multiplied by `gamma`. */
  milestones: z.array(integer(0), { error: 'must be an array of integers' }).default([]),
  gamma: nonNegative.default(0.1),
});

export const KnnSchema = z.strictObject({
  /** Labelled held-out images: an identity folder (`root/<id>/<img>`) or a labelled list file. */
  path: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
  kind: z.enum(['identity', 'list'], { error: "must be 'identity' | 'list'" }).default('identity'),
  /** Evaluate every this many steps (and at the end). */
  every: integer(1).default(500),
  /** Neighbours voting (cosine similarity). */
  k: integer(1).default(20),
  /** Use at most this many images (the first ones of a seeded shuffle). */
  maxImages: integer(2).default(2000),
});

export const TrainSchema = z
  .strictObject({
    /** Images per batch (each gets every view). */
    batch: integer(2).default(64),
    /** Optimisation steps; at most one of `steps` and `epochs` (null unsets; neither: 1000 steps). */
    steps: integer(1).nullable().default(null),
    epochs: integer(1).nullable().default(null),
    checkpointEvery: integer(1).default(500),
    /** Checkpoints kept on disk (oldest removed first). */
    keepCheckpoints: integer(1).default(2),
    logEvery: integer(1).default(10),
    /** Clip gradients to this global L2 norm; null: no clipping. */
    clipNorm: positive.nullable().default(null),
    /** GradCache chunk size (images per chunk); null: the whole batch at once. */
    gradCacheChunk: integer(1).nullable().default(null),
    /** Batch-norm running-statistics momentum (PyTorch convention). */
    bnMomentum: fraction.default(0.1),
    /** Warn when the embedding std · √D (1 = spread, 0 = collapsed) falls below this. */
    collapseFloor: nonNegative.default(0.1),
    /** Online kNN accuracy on a labelled held-out set; null: none. */
    knn: KnnSchema.nullable().default(null),
  })
  .superRefine((train, ctx) => {
    if (train.steps !== null && train.epochs !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['epochs'],
        input: train.epochs,
        message: `cannot be set together with train.steps (${train.steps}); set train.steps to null`,
      });
    }
    if (train.gradCacheChunk !== null && train.gradCacheChunk > train.batch) {
      ctx.addIssue({
        code: 'custom',
        path: ['gradCacheChunk'],
        input: train.gradCacheChunk,
        message: `must be ≤ train.batch (${train.batch})`,
      });
    }
  })
  .transform((train) =>
    train.steps === null && train.epochs === null ? { ...train, steps: DEFAULT_STEPS } : train,
  );

export const OutputSchema = z.strictObject({
  /** Run folder: checkpoints, metrics.jsonl, recipe.json, the final backbone. */
  dir: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .default('runs/pretrain'),
});

export const PretrainRecipeSchema = z.strictObject({
  /** Base recipe this one overrides, relative to this file (removed once resolved). */
  extends: z.string().optional(),
  /** Optional text describing the recipe. */
  description: z.string({ error: 'must be a string' }).optional(),
  seed: integer(0).default(0),
  data: DataSchema.prefault({}),
  augment: AugmentSchema.prefault({}),
  backbone: BackboneSchema.prefault({}),
  framework: FrameworkSchema.prefault({}),
  optimizer: OptimizerSchema.prefault({ name: 'adam' }),
  schedule: ScheduleSchema.prefault({}),
  train: TrainSchema.prefault({}),
  output: OutputSchema.prefault({}),
});

export type PretrainRecipe = z.output<typeof PretrainRecipeSchema>;
export type PretrainRecipeInput = z.input<typeof PretrainRecipeSchema>;
export type DataConfig = PretrainRecipe['data'];
export type OptimizerConfig = PretrainRecipe['optimizer'];
export type ScheduleConfig = PretrainRecipe['schedule'];
export type TrainConfig = PretrainRecipe['train'];
export type KnnConfig = NonNullable<TrainConfig['knn']>;
