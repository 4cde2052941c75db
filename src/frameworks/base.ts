/**
 * The thin base every pretraining method extends (solo-learn's `BaseMethod`, without the 900
 * lines). A framework owns its networks (backbone, heads, momentum targets), its state (queues,
 * prototypes) and its objective; the trainer owns the loop, the optimizer, data and checkpoints.
 *
 * One step, as the trainer runs it:
 *   views  = augment(batch)                          // MultiViewTransform from the recipe
 *   vars   = fw.trainableVariables(ctx)             // may change with the step (SwAV freezing)
 *   { value, grads } = tf.variableGrads(() => fw.loss(views, ctx), Object.values(vars))
 *   optimizer.apply(grads, vars, lr)
 *   fw.onStepEnd(ctx)                                 // momentum update, enqueue, normalise
 *
 * Variable maps are keyed by the tfjs variable name (`variable.name`), the keys `tf.variableGrads`
 * gives its gradients, so `grads` and `vars` line up without renaming ({@link variablesByName}).
 */
import { tf } from '../engine/tf';
import type { Backbone } from '../models/backbone';

export interface StepContext {
  /** 0-based optimisation step. */
  step: number;
  /** Total steps of the run (for momentum and other schedules). */
  totalSteps: number;
  /** Identity labels [B] when the data has them (SupCon), else undefined. */
  labels?: tf.Tensor1D;
}

/** Variables keyed by their tfjs name; throws on a duplicate name. */
export function variablesByName(variables: Iterable<tf.Variable>): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const v of variables) {
    if (v.name in out) throw new Error(`variablesByName: duplicate variable name '${v.name}'`);
    out[v.name] = v;
  }
  return out;
}

/** A pair whose target follows the online network: target ← τ·target + (1 − τ)·online. */
export type MomentumPair = readonly [online: tf.Variable, target: tf.Variable];

/** What a registry factory receives besides the options. */
export interface FrameworkContext {
  /** The backbone to pretrain; the framework owns it from now on (its `dispose` frees it). */
  backbone: Backbone;
  /** Seed of the heads' initialisation (projector, predictor, prototypes). */
  seed: number | string;
}

export interface FrameworkState {
  /** Named tensors beyond the variables (e.g. a queue), flattened for checkpoints. */
  tensors: Record<string, { shape: number[]; values: Float32Array }>;
  /** Small JSON state (queue pointer, counters). */
  meta: Record<string, unknown>;
}

export abstract class Framework {
  /** Registry key, e.g. 'simclr'. */
  abstract readonly name: string;
  /** The backbone being pretrained (what is kept and evaluated afterwards). */
  abstract readonly backbone: Backbone;

  /**
   * Variables the optimizer updates, by tfjs name. `ctx` is the step about to run: a framework may
   * leave variables out for some steps (SwAV's frozen prototypes); without it, the step after the
   * last `onStepEnd`.
   */
  abstract trainableVariables(ctx?: StepContext): Record<string, tf.Variable>;

  /** Every variable to checkpoint (trainable, batch-norm statistics, momentum targets...). */
  abstract allVariables(): Record<string, tf.Variable>;

  /**
   * The scalar objective for one batch of views; runs under `tf.variableGrads`.
   * @param views the augmented views, in the order of the augmentation config ([B,S,S,3] each).
   */
  abstract loss(views: tf.Tensor4D[], ctx: StepContext): tf.Scalar;

  /** Pairs updated by exponential moving average after each step (empty for SimCLR/SimSiam). */
  momentumPairs(): MomentumPair[] {
    return [];
  }

  /** After the optimizer step: momentum updates, queue writes, prototype normalisation. */
  onStepEnd(_ctx: StepContext): void {}

  /** Extra state for checkpoints (queues); variables are saved separately. */
  async state(): Promise<FrameworkState> {
    return { tensors: {}, meta: {} };
  }

  restore(_state: FrameworkState): void {}

  /** Backbone embeddings in inference mode: [N,S,S,3] → [N,D]. */
  embed(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.backbone.apply(images, { training: false }));
  }

  /**
   * Optional GradCache hooks (src/train/grad_cache.ts; Gao et al. 2021): `loss(views, ctx)` split
   * as `lossFromRepresentations(represent(views, ctx), ctx)`. `represent` runs the networks on a
   * (chunk of a) batch, one [B,P] per view; `lossFromRepresentations` is the loss of the full
   * batch's representations and must not use trainable variables. Frameworks whose loss couples
   * samples only through the representations (SimCLR, SupCon) can implement them; the trainer
   * then honours `train.gradCacheChunk`.
   */
  represent?(views: tf.Tensor4D[], ctx: StepContext): tf.Tensor2D[];
  lossFromRepresentations?(representations: tf.Tensor2D[], ctx: StepContext): tf.Scalar;

  abstract dispose(): void;
}
