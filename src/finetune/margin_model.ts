/**
 * `MarginModel`: a backbone, a `MarginHead` over its embedding layer, a margin transform and
 * cross-entropy (plus an optional center loss), on the framework base so that the shared training
 * loop (`src/train/loop.ts`) runs it with its checkpoints, resume, NaN stop and monitoring.
 *
 *   e      = backbone(view)                                   [B, D]
 *   logits = MARGIN_TRANSFORMS[margin.name](e, head, labels)   [B, C]
 *   L      = crossEntropy(logits, labels) (+ λ·centerLoss(e, labels))
 *
 * Two phases: for the first `warmupHeadSteps` steps (and throughout when `backboneLrScale` is 0)
 * only the head is trained and the backbone runs in inference mode, so neither its weights nor its
 * batch-norm statistics move. Afterwards everything trains, the backbone at `backboneLrScale`
 * times the head's learning rate ({@link MarginModel.applyUpdate}: one optimizer, two `apply`
 * calls, which is exact for adaptive optimizers where scaling the gradient would not be).
 */
import { tf } from '../engine/tf';
import { Framework, variablesByName, type StepContext } from '../frameworks/base';
import { CenterLoss } from '../losses/center_loss';
import { crossEntropy } from '../losses/cross_entropy';
import { MarginHead } from '../losses/margin_head';
import type { Backbone } from '../models/backbone';
import type { MarginConfig } from '../recipes/finetune_schema';
import type { Optimizer } from '../train/optim';
import { MARGIN_TRANSFORMS } from './margins';

export interface MarginModelOptions {
  /** C, the number of identities. */
  classes: number;
  margin: MarginConfig;
  /** Head-only steps at the start (default 0). */
  warmupHeadSteps?: number;
  /** Backbone learning rate / head learning rate after the warm-up (default 1; 0 freezes it). */
  backboneLrScale?: number;
  /** Seed of the head's initialisation (default 0). */
  seed?: number;
}

const FN = 'MarginModel';

export class MarginModel extends Framework {
  readonly name = 'margin';
  readonly head: MarginHead;
  /** [C] class bias of the plain softmax classifier; null for the cosine transforms. */
  readonly bias: tf.Variable | null;
  readonly center: CenterLoss | null;
  readonly warmupHeadSteps: number;
  readonly backboneLrScale: number;
  /** The last step's embeddings, for the center update in `onStepEnd`. */
  private features: tf.Tensor2D | null = null;

  /** @param backbone owned from now on (`dispose` frees it). */
  constructor(
    readonly backbone: Backbone,
    readonly options: MarginModelOptions,
  ) {
    super();
    const { classes, margin, warmupHeadSteps = 0, backboneLrScale = 1, seed = 0 } = options;
    if (!(Number.isInteger(warmupHeadSteps) && warmupHeadSteps >= 0)) {
      throw new Error(
        `${FN}: options.warmupHeadSteps must be an integer ≥ 0, got ${warmupHeadSteps}`,
      );
    }
    if (!(backboneLrScale >= 0 && Number.isFinite(backboneLrScale))) {
      throw new Error(
        `${FN}: options.backboneLrScale must be a number ≥ 0, got ${backboneLrScale}`,
      );
    }
    [this.warmupHeadSteps, this.backboneLrScale] = [warmupHeadSteps, backboneLrScale];
    const dim = backbone.embeddingSize;
    this.head = new MarginHead({ dim, classes, seed, init: margin.init, name: 'head' });
    this.bias =
      margin.name === 'softmax'
        ? tf.tidy(() => tf.variable(tf.zeros([classes]), true, 'head/bias'))
        : null;
    this.center = margin.centerLoss
      ? new CenterLoss({ classes, dim, alpha: margin.centerLoss.alpha, name: 'center' })
      : null;
  }

  /** Whether the backbone trains at `step` (after the warm-up, with a non-zero rate). */
  backboneTrains(step: number): boolean {
    return step >= this.warmupHeadSteps && this.backboneLrScale > 0;
  }

  /** The head's variables by name (class weights, and the bias of plain softmax). */
  headVariables(): Record<string, tf.Variable> {
    return variablesByName([...this.head.trainableVariables(), ...(this.bias ? [this.bias] : [])]);
  }

  trainableVariables(ctx?: StepContext): Record<string, tf.Variable> {
    const head = this.headVariables();
    return this.backboneTrains(ctx?.step ?? Infinity)
      ? { ...this.backbone.params.trainable(), ...head }
      : head;
  }

  allVariables(): Record<string, tf.Variable> {
    return variablesByName([
      ...this.backbone.params.variables.values(),
      ...Object.values(this.headVariables()),
      ...(this.center ? [this.center.centers] : []),
    ]);
  }

  /** @throws Error naming `MarginModel.loss` when the batch has no identity labels. */
  loss(views: tf.Tensor4D[], ctx: StepContext): tf.Scalar {
    const labels = ctx.labels;
    if (!labels) {
      throw new Error(
        `${FN}.loss: the batch has no labels; fine-tuning needs identity-labelled data`,
      );
    }
    const { margin } = this.options;
    return tf.tidy(() => {
      const training = this.backboneTrains(ctx.step);
      const embeddings = this.backbone.apply(views[0], { training }); // [B, D]
      const inputs = { embeddings, head: this.head, bias: this.bias, labels, step: ctx.step };
      const logits = MARGIN_TRANSFORMS[margin.name](inputs, margin); // [B, C]
      let loss = crossEntropy(logits, labels);
      if (this.center && margin.centerLoss) {
        this.features?.dispose();
        this.features = tf.keep(tf.clone(embeddings));
        loss = tf.add(loss, tf.mul(margin.centerLoss.weight, this.center.loss(embeddings, labels)));
      }
      return loss;
    });
  }

  /** Moves the class centres with the step's embeddings (center loss only). */
  override onStepEnd(ctx: StepContext): void {
    if (this.center && this.features && ctx.labels) this.center.update(this.features, ctx.labels);
    this.features?.dispose();
    this.features = null;
  }

  /**
   * One update: the head at `lr`, the backbone at `lr · backboneLrScale`. The caller keeps `grads`.
   */
  applyUpdate(
    optimizer: Optimizer,
    grads: Record<string, tf.Tensor>,
    variables: Record<string, tf.Variable>,
    lr: number,
  ): void {
    const headNames = new Set(Object.keys(this.headVariables()));
    const head: Record<string, tf.Tensor> = {};
    const backbone: Record<string, tf.Tensor> = {};
    for (const [name, grad] of Object.entries(grads)) {
      (headNames.has(name) ? head : backbone)[name] = grad;
    }
    optimizer.apply(head, variables, lr);
    if (Object.keys(backbone).length > 0) {
      optimizer.apply(backbone, variables, lr * this.backboneLrScale);
    }
  }

  dispose(): void {
    this.features?.dispose();
    this.features = null;
    this.head.dispose();
    this.bias?.dispose();
    this.center?.dispose();
    this.backbone.dispose();
  }
}
