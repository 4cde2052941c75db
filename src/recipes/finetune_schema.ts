/**
 * The typed schema of a fine-tuning recipe (`"task": "finetune"`, recipes/finetune/*.json): a
 * backbone (from scratch, or from a pretraining run with `from` / `--from`) trained with labels
 * under a margin loss. Shares the data, augmentation, backbone, optimizer and schedule sections
 * of the pretraining schema (`schema.ts`); every fine-tuning default lives here.
 *
 * LFW folds are 1-based here (as papers and `--lfw-train-folds 1-5` count them); the data layer's
 * functions take 0-based fold indices.
 */
import { z } from 'zod';
import { mergeRecipes } from './overrides';
import {
  AugmentSchema,
  BackboneSchema,
  DataSchema,
  OptimizerSchema,
  ScheduleSchema,
} from './schema';

/** The value of `task` that marks a fine-tuning recipe. */
export const FINETUNE_TASK = 'finetune';

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
const flag = z.boolean({ error: 'must be true or false' });
const lfwFold = z
  .number({ error: 'must be a fold number in 1..10' })
  .int({ error: 'must be a fold number in 1..10' })
  .min(1, { error: 'must be a fold number in 1..10' })
  .max(10, { error: 'must be a fold number in 1..10' });
const folds = z
  .array(lfwFold, { error: 'must be an array of fold numbers in 1..10' })
  .min(1, { error: 'must name at least one fold' });

export const FinetuneDataSchema = DataSchema.extend({
  /** Identity folders by default (`root/<person>/<image>`, the label is the folder). */
  kind: z
    .enum(['identity', 'list'], { error: "must be 'identity' | 'list' (labels are needed)" })
    .default('identity'),
  /**
   * Train on the people of these LFW View 2 folds (1-based); `path` is then the LFW folder
   * (`pairs.txt` + `images/`). null: train on `path` as it is.
   */
  lfwTrainFolds: folds.nullable().default(null),
  /** Keep only identities with at least this many images. */
  minImagesPerIdentity: integer(1).default(1),
});

/** Scale and margin when a recipe leaves them null (insightface's; SphereFace: feature norms). */
export const MARGIN_DEFAULTS = Object.freeze({
  arcface: { scale: 64, margin: 0.5 },
  cosface: { scale: 64, margin: 0.35 },
  sphereface: { scale: null, margin: 4 },
  normsoftmax: { scale: 64, margin: 0 },
  softmax: { scale: null, margin: 0 },
} satisfies Record<string, { scale: number | null; margin: number }>);

export type MarginName = keyof typeof MARGIN_DEFAULTS;
export const MARGIN_NAMES = Object.freeze(Object.keys(MARGIN_DEFAULTS) as MarginName[]);

export const MarginSchema = z
  .strictObject({
    /** The margin transform of the cosine logits (plain `softmax`: a linear classifier). */
    name: z
      .enum(MARGIN_NAMES as [MarginName, ...MarginName[]], {
        error: `must be one of ${MARGIN_NAMES.join(' | ')}`,
      })
      .default('arcface'),
    /** s, the logit scale; null: 64 (SphereFace: the feature norms ‖x‖; softmax: none). */
    scale: positive.nullable().default(null),
    /** m; null: ArcFace 0.5 rad, CosFace 0.35, SphereFace 4 (an integer multiplier). */
    margin: nonNegative.nullable().default(null),
    /** ArcFace: apply the margin only where cos θ > 0. */
    easyMargin: flag.default(false),
    /** SphereFace: λ = max(minimum, base·(1 + gamma·step)^(−power)), annealing softmax → A-Softmax. */
    lambda: z
      .strictObject({
        base: nonNegative.default(1000),
        gamma: nonNegative.default(0.12),
        power: nonNegative.default(1),
        minimum: nonNegative.default(5),
      })
      .prefault({}),
    /** Class-weight initialisation of the head (see `MarginHead`). */
    init: z
      .enum(['glorotNormal', 'normal'], { error: "must be 'glorotNormal' | 'normal'" })
      .default('glorotNormal'),
    /** Center loss (Wen et al. 2016) added with this weight λ on the embeddings; null: none. */
    centerLoss: z
      .strictObject({
        weight: positive.default(0.003),
        /** α, the centres' own rate, in (0, 1]. */
        alpha: positive.max(1, { error: 'must be a number in (0, 1]' }).default(0.5),
      })
      .nullable()
      .default(null),
  })
  .superRefine((margin, ctx) => {
    const m = margin.margin;
    if (m === null) return;
    const bad = (message: string) =>
      ctx.addIssue({ code: 'custom', path: ['margin'], input: m, message });
    if (margin.name === 'arcface' && !(m < Math.PI)) bad('must be in [0, π) for arcface');
    if (margin.name === 'cosface' && !(m < 2)) bad('must be in [0, 2) for cosface');
    if (margin.name === 'sphereface' && !(Number.isInteger(m) && m >= 1)) {
      bad('must be an integer ≥ 1 for sphereface');
    }
    if ((margin.name === 'softmax' || margin.name === 'normsoftmax') && m !== 0) {
      bad(`must be 0 or null for ${margin.name}`);
    }
  })
  .transform((margin) => ({
    ...margin,
    scale: margin.name === 'softmax' ? null : (margin.scale ?? MARGIN_DEFAULTS[margin.name].scale),
    margin: margin.margin ?? MARGIN_DEFAULTS[margin.name].margin,
  }));

export const FinetuneTrainSchema = z
  .strictObject({
    batch: integer(2).default(64),
    steps: integer(1).default(1000),
    /** First steps that train the head only (backbone frozen, batch norm in inference mode). */
    warmupHeadSteps: integer(0).default(0),
    /** The backbone's learning rate as a fraction of the head's after the warm-up (0: frozen). */
    backboneLrScale: nonNegative.default(1),
    /** Class-balanced batches of batch/m identities with m images each; null: shuffled batches. */
    imagesPerIdentity: integer(1).nullable().default(null),
    checkpointEvery: integer(1).default(500),
    keepCheckpoints: integer(1).default(2),
    logEvery: integer(1).default(10),
    /** Clip gradients to this global L2 norm; null: no clipping. */
    clipNorm: positive.nullable().default(null),
    /** Warn when the embedding std · √D (1 = spread, 0 = collapsed) falls below this. */
    collapseFloor: nonNegative.default(0.1),
  })
  .superRefine((train, ctx) => {
    if (train.warmupHeadSteps > train.steps) {
      ctx.addIssue({
        code: 'custom',
        path: ['warmupHeadSteps'],
        input: train.warmupHeadSteps,
        message: `must be ≤ train.steps (${train.steps})`,
      });
    }
    if (train.imagesPerIdentity !== null && train.batch % train.imagesPerIdentity !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['imagesPerIdentity'],
        input: train.imagesPerIdentity,
        message: `must divide train.batch (${train.batch})`,
      });
    }
  });

export const FinetuneEvalSchema = z.strictObject({
  /** LFW View 2 pairs file; null: `<data.path>/pairs.txt` when data.lfwTrainFolds is set, else no evaluation. */
  lfwPairs: z.string({ error: 'must be a string' }).min(1).nullable().default(null),
  /** Folds (1-based) to verify on; null: those not in data.lfwTrainFolds (all 10 otherwise). */
  folds: folds.nullable().default(null),
  /** Centre crop of the (cached, `data.crop`-cropped) images before resizing, in (0, 1]. */
  crop: positive.max(1, { error: 'must be a number in (0, 1]' }).default(1),
  /** Images per forward pass. */
  batchSize: integer(1).default(128),
});

export const FinetuneRecipeSchema = z.strictObject({
  task: z.literal(FINETUNE_TASK, { error: `must be '${FINETUNE_TASK}'` }),
  extends: z.string().optional(),
  description: z.string({ error: 'must be a string' }).optional(),
  seed: integer(0).default(0),
  /** A pretraining run folder, checkpoint or backbone export to start from; null: from scratch. */
  from: z.string({ error: 'must be a string' }).min(1).nullable().default(null),
  data: FinetuneDataSchema.prefault({}),
  /** One view: the mild `face` preset by default (`views[0].count` is forced to 1 under the overrides). */
  augment: AugmentSchema.extend({
    preset: AugmentSchema.shape.preset.unwrap().default('face'),
  })
    .prefault({})
    .transform((augment) => ({
      ...augment,
      overrides: mergeRecipes({ views: [{ count: 1 }] }, augment.overrides),
    })),
  /** The backbone from scratch; with `from`, the pretraining run's backbone is used instead. */
  backbone: BackboneSchema.prefault({}),
  margin: MarginSchema.prefault({}),
  optimizer: OptimizerSchema.prefault({ name: 'adam' }),
  schedule: ScheduleSchema.prefault({}),
  train: FinetuneTrainSchema.prefault({}),
  eval: FinetuneEvalSchema.prefault({}),
  output: z
    .strictObject({
      dir: z
        .string({ error: 'must be a string' })
        .min(1, { error: 'must not be empty' })
        .default('runs/finetune'),
    })
    .prefault({}),
});

export type FinetuneRecipe = z.output<typeof FinetuneRecipeSchema>;
export type FinetuneRecipeInput = z.input<typeof FinetuneRecipeSchema>;
export type MarginConfig = FinetuneRecipe['margin'];
export type FinetuneTrainConfig = FinetuneRecipe['train'];
