/**
 * The thin base every pretraining method extends (solo-learn's `BaseMethod`, without the 900
 * lines). A framework owns its networks (backbone, heads, momentum targets), its state (queues,
 * prototypes) and its objective; the trainer owns the loop, the optimizer, data and checkpoints.
 *
 * One step, as the trainer runs it:
 *   views  = augment(batch)                          // MultiViewTransform, fw.viewSpec()
 *   grads  = tf.variableGrads(() => fw.loss(views, ctx), fw.trainableVariables())
 *   optimizer.apply(grads, fw.trainableVariables(), lr)
 *   fw.onStepEnd(ctx)                                 // momentum update, enqueue, normalise
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

/** A pair whose target follows the online network: target ← τ·target + (1 − τ)·online. */
export type MomentumPair = readonly [online: tf.Variable, target: tf.Variable];

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

  /** Variables the optimizer updates, by unique name. */
  abstract trainableVariables(): Record<string, tf.Variable>;

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

  abstract dispose(): void;
}
