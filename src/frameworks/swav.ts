/**
 * SwAV (Caron et al., "Unsupervised Learning of Visual Features by Contrasting Cluster
 * Assignments", NeurIPS 2020): each crop's projection is scored against K prototypes; the
 * Sinkhorn-Knopp codes of each global crop (computed without gradient, equal-partition
 * constraint) are predicted from every other crop (swapped prediction, eqs. 1-3):
 *
 *   z_v = normalise(g(f(x_v)))  [B,P],   S_v = z_v·C  [B,K] (C: unit-norm prototypes [P,K])
 *   L = mean over global crops c and crops v ≠ c of −Σ_k q_ck·log softmax(S_v/τ)_k
 *
 * Multi-crop (§3.2): `views` are 2 global crops (one size) then N local crops (a smaller size);
 * each size group goes through the backbone as one batch (global average pooling makes any size
 * work), so BN statistics span the crops of a group.
 *
 * Training details of the paper (§4.1, appendix A):
 * - prototypes are frozen for the first `freezePrototypesSteps` steps (left out of
 *   `trainableVariables`, and behind a stop-gradient in the loss), which helps early training;
 * - prototypes are renormalised to unit length after every step (`onStepEnd`);
 * - with `queueSize > 0`, the global crops' projections of past batches are kept (one FIFO queue
 *   per global crop, filled from step 0) and join the Sinkhorn batch from `queueStartStep` on,
 *   which keeps the equal-partition constraint meaningful with small batches.
 */
import { z } from 'zod';
import { tf } from '../engine/tf';
import { l2Normalize } from '../losses/similarity_logits';
import { detached, stopGradient } from '../losses/stop_gradient';
import { swav } from '../losses/swav';
import type { Backbone } from '../models/backbone';
import { MlpHead } from '../models/heads';
import { PrototypeHead } from '../models/prototypes';
import { NegativeQueue } from '../queue/negative_queue';
import { Framework, FrameworkContext, FrameworkState, StepContext, variablesByName } from './base';
import { count, headSchema, parseFrameworkOptions, positive } from './options';
import { assertViews, encodeViews } from './views';

/** SwAV's options and defaults. */
export const SwavOptionsSchema = z.strictObject({
  /** τ of the prediction softmax (default 0.1). */
  temperature: positive.default(0.1),
  /** Sinkhorn-Knopp: ε (default 0.05) and iterations (default 3). */
  sinkhorn: z
    .strictObject({ epsilon: positive.default(0.05), iterations: count(1).default(3) })
    .prefault({}),
  /** K, the number of prototypes (default 512; the paper's 3000 is for ImageNet's 1000 classes). */
  prototypes: count(1).default(512),
  /** Leading crops that are global and get codes (default 2). */
  globalCrops: count(1).default(2),
  /** Rows of each global crop's feature queue; 0 disables the queue (default 0). */
  queueSize: count(0).default(0),
  /** First step at which the queue joins the Sinkhorn batch (default 0). */
  queueStartStep: count(0).default(0),
  /** Steps during which the prototypes are not updated (default 313, the paper's). */
  freezePrototypesSteps: count(0).default(313),
  /** Projector g(·): 2 layers with BN, 128-d output (the paper's 2048 → 128). */
  projector: headSchema({ hiddenFeatures: 512, outFeatures: 128, layers: 2, batchNorm: true }),
});
export type SwavOptionsInput = z.input<typeof SwavOptionsSchema>;
export type SwavOptions = z.output<typeof SwavOptionsSchema>;

const TRAIN = { training: true };

/**
 * SwAV with multi-crop, optional feature queue and prototype freezing.
 *
 * @example
 * const fw = new SwavFramework({ prototypes: 300, queueSize: 1920, queueStartStep: 5000 }, { backbone, seed: 0 });
 * const loss = fw.loss([global1, global2, local1, local2, local3, local4], { step, totalSteps });
 */
export class SwavFramework extends Framework {
  readonly name = 'swav';
  readonly backbone: Backbone;
  readonly projector: MlpHead;
  readonly prototypes: PrototypeHead;
  /** One queue of normalised projections per global crop; empty when `queueSize` is 0. */
  readonly queues: NegativeQueue[];
  readonly options: SwavOptions;
  private pending: tf.Tensor2D[] = [];
  private nextStep = 0;

  /** @throws FrameworkOptionsError naming `swav.<path>` and the value for invalid options. */
  constructor(options: SwavOptionsInput, context: FrameworkContext) {
    super();
    this.options = parseFrameworkOptions('swav', SwavOptionsSchema, options);
    const { projector, prototypes, globalCrops, queueSize } = this.options;
    this.backbone = context.backbone;
    this.projector = new MlpHead(
      { inFeatures: this.backbone.embeddingSize, ...projector },
      context.seed,
      'projector',
    );
    this.prototypes = new PrototypeHead(
      { inFeatures: projector.outFeatures, prototypes },
      context.seed,
    );
    this.queues =
      queueSize > 0
        ? Array.from(
            { length: globalCrops },
            () => new NegativeQueue(queueSize, projector.outFeatures),
          )
        : [];
  }

  /** Whether the prototypes are frozen at `step`. */
  prototypesFrozen(step: number): boolean {
    return step < this.options.freezePrototypesSteps;
  }

  trainableVariables(ctx?: StepContext): Record<string, tf.Variable> {
    const frozen = this.prototypesFrozen(ctx?.step ?? this.nextStep);
    return {
      ...this.backbone.params.trainable(),
      ...this.projector.params.trainable(),
      ...(frozen ? {} : this.prototypes.params.trainable()),
    };
  }

  allVariables(): Record<string, tf.Variable> {
    return variablesByName([
      ...this.backbone.params.variables.values(),
      ...this.projector.params.variables.values(),
      ...this.prototypes.params.variables.values(),
    ]);
  }

  /**
   * @param views `globalCrops` global crops of one size, then any number of local crops (consecutive
   *   crops of equal size are batched together); at least 2 views, one batch size B ≥ 2.
   * @throws Error naming `SwavFramework.loss` for fewer than 2 views, differently sized global
   *   crops, or fewer views than `globalCrops`.
   */
  loss(views: tf.Tensor4D[], ctx: StepContext): tf.Scalar {
    const { globalCrops, temperature, sinkhorn, queueStartStep } = this.options;
    assertViews(views, 'SwavFramework.loss', Math.max(2, globalCrops), globalCrops);
    return tf.tidy(() => {
      const projections = encodeViews(views, (x) =>
        l2Normalize(this.projector.apply(this.backbone.apply(x, TRAIN), TRAIN)),
      ); // V × [B,P], unit rows
      const w = this.prototypes.weight as tf.Tensor2D; // [P,K]
      const weight = this.prototypesFrozen(ctx.step) ? stopGradient(w) : w;
      const scores = projections.map((zv) => tf.matMul(zv, weight) as tf.Tensor2D); // V × [B,K]
      const useQueue = this.queues.length > 0 && ctx.step >= queueStartStep;
      const queueScores = useQueue
        ? this.queues.map((q) =>
            q.count > 0 ? detached(() => tf.matMul(q.read(), w) as tf.Tensor2D) : undefined,
          ) // [Q,K]
        : undefined;
      tf.dispose(this.pending);
      this.pending =
        this.queues.length > 0 ? projections.slice(0, globalCrops).map((p) => tf.keep(p)) : [];
      return swav(scores, { temperature, globalCrops, queueScores, ...sinkhorn });
    });
  }

  /** Renormalises the prototypes and enqueues the global crops' projections. */
  override onStepEnd(ctx: StepContext): void {
    this.prototypes.normalize();
    this.pending.forEach((p, c) => this.queues[c].enqueue(p));
    tf.dispose(this.pending);
    this.pending = [];
    this.nextStep = ctx.step + 1;
  }

  override async state(): Promise<FrameworkState> {
    const tensors: FrameworkState['tensors'] = {};
    const queues = this.queues.map((q, c) => {
      const { values, size, dim, pointer, count } = q.state();
      tensors[`queue${c}`] = { shape: [size, dim], values };
      return { pointer, count };
    });
    return { tensors, meta: { nextStep: this.nextStep, queues } };
  }

  /** @throws Error naming `SwavFramework.restore` when a queue of this framework is missing. */
  override restore(state: FrameworkState): void {
    const meta = state.meta.queues as { pointer: number; count: number }[] | undefined;
    this.queues.forEach((q, c) => {
      const saved = state.tensors[`queue${c}`];
      if (!saved || !meta?.[c])
        throw new Error(`SwavFramework.restore: state for queue${c} is missing`);
      const [size, dim] = saved.shape;
      q.restore({ size, dim, values: saved.values, ...meta[c] });
    });
    this.nextStep = Number(state.meta.nextStep ?? 0);
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    this.queues.forEach((q) => q.dispose());
    this.prototypes.dispose();
    this.projector.dispose();
    this.backbone.dispose();
  }
}
