/**
 * MoCo: momentum contrast.
 *
 * v2 (Chen et al., "Improved Baselines with Momentum Contrastive Learning", 2020; He et al.,
 * CVPR 2020): queries q = g(f(x₁)) from the online encoder, keys k = g_ξ(f_ξ(x₂)) from its
 * momentum copy ξ, InfoNCE of each query against its key and a FIFO queue of past keys (eq. 1):
 *
 *   L = −log exp(q·k⁺/τ) / (exp(q·k⁺/τ) + Σ_{k⁻ ∈ queue} exp(q·k⁻/τ)),   τ = 0.2.
 *
 * The batch's keys join the queue after the step (`onStepEnd`); the queue starts empty and the
 * first step has only the positive (see `NegativeQueue`). Query and key go through different
 * encoders, so there is no BN leak between them (MoCo's shuffle-BN is not needed on one device).
 *
 * v3 (Chen, Xie & He, "An Empirical Study of Training Self-Supervised Vision Transformers", ICCV
 * 2021): a predictor q = h(g(f(x))), no queue, the other keys of the batch as negatives, and the
 * symmetric loss ctr(q₁, k₂) + ctr(q₂, k₁), ctr(q, k) = 2τ·CE(q·kᵀ/τ, diagonal). Both views go
 * through each encoder as one batch.
 *
 * The momentum τ starts at `momentum.base` (0.99) and rises to 1 on a cosine (BYOL's schedule,
 * which MoCo v3 adopted); ξ ← τ·ξ + (1 − τ)·θ after every step.
 */
import { z } from 'zod';
import { tf } from '../engine/tf';
import { infoNce } from '../losses/info_nce';
import { contrastiveLoss, cosineLogits, maskFrom } from '../losses/similarity_logits';
import type { Backbone } from '../models/backbone';
import { MlpHead } from '../models/heads';
import { NegativeQueue } from '../queue/negative_queue';
import {
  Framework,
  FrameworkContext,
  FrameworkState,
  MomentumPair,
  StepContext,
  variablesByName,
} from './base';
import { momentumAt, updateMomentum } from './momentum';
import {
  count,
  headSchema,
  momentumSchema,
  parseFrameworkOptions,
  positive,
  predictorSchema,
} from './options';
import { TargetNetwork } from './target_network';
import { assertViews, encodeViews } from './views';

/** MoCo's options and defaults. */
export const MocoOptionsSchema = z.strictObject({
  /** 2 (queue, asymmetric) or 3 (predictor, symmetric, in-batch negatives); default 2. */
  version: z.union([z.literal(2), z.literal(3)], { error: 'must be 2 | 3' }).default(2),
  /** τ (default 0.2, MoCo v2's). */
  temperature: positive.default(0.2),
  /** Keys in the negative queue (v2 only; default 4096). */
  queueSize: count(1).default(4096),
  /** Momentum of the key encoder: 0.99 rising to 1 on a cosine. */
  momentum: momentumSchema(0.99),
  /** Projector g(·): v2's 2-layer MLP head without BN, 128-d. */
  projector: headSchema({ hiddenFeatures: 512, outFeatures: 128, layers: 2, batchNorm: false }),
  /** Predictor h(·) (v3 only): 2 layers with BN, output size = the projector's. */
  predictor: predictorSchema({ hiddenFeatures: 512, layers: 2, batchNorm: true }),
});
export type MocoOptionsInput = z.input<typeof MocoOptionsSchema>;
export type MocoOptions = z.output<typeof MocoOptionsSchema>;

const TRAIN = { training: true };

/**
 * MoCo v2 / v3.
 *
 * @example
 * const fw = new MocoFramework({ queueSize: 8192 }, { backbone, seed: 0 });
 * const v3 = new MocoFramework({ version: 3, temperature: 1 }, { backbone, seed: 0 });
 */
export class MocoFramework extends Framework {
  readonly name = 'moco';
  readonly backbone: Backbone;
  readonly projector: MlpHead;
  readonly predictor: MlpHead | undefined;
  readonly target: TargetNetwork;
  /** v2's queue of normalised keys ([queueSize, P]); undefined for v3. */
  readonly queue: NegativeQueue | undefined;
  readonly options: MocoOptions;
  private pendingKeys: tf.Tensor2D | undefined;

  /** @throws FrameworkOptionsError naming `moco.<path>` and the value for invalid options. */
  constructor(options: MocoOptionsInput, context: FrameworkContext) {
    super();
    this.options = parseFrameworkOptions('moco', MocoOptionsSchema, options);
    const { projector, predictor, version, queueSize } = this.options;
    this.backbone = context.backbone;
    this.projector = new MlpHead(
      { inFeatures: this.backbone.embeddingSize, ...projector },
      context.seed,
      'projector',
    );
    this.predictor =
      version === 3
        ? new MlpHead(
            { inFeatures: projector.outFeatures, outFeatures: projector.outFeatures, ...predictor },
            context.seed,
            'predictor',
          )
        : undefined;
    this.target = new TargetNetwork([this.backbone, this.projector]);
    this.queue = version === 2 ? new NegativeQueue(queueSize, projector.outFeatures) : undefined;
  }

  trainableVariables(): Record<string, tf.Variable> {
    return {
      ...this.backbone.params.trainable(),
      ...this.projector.params.trainable(),
      ...this.predictor?.params.trainable(),
    };
  }

  allVariables(): Record<string, tf.Variable> {
    return variablesByName([
      ...this.backbone.params.variables.values(),
      ...this.projector.params.variables.values(),
      ...(this.predictor?.params.variables.values() ?? []),
      ...Object.values(this.target.variables()),
    ]);
  }

  override momentumPairs(): MomentumPair[] {
    return this.target.momentumPairs();
  }

  /** Projections of the momentum encoder (the keys), off the tape: [N,S,S,3] → [N,P]. */
  momentumEmbeddings(images: tf.Tensor4D): tf.Tensor2D {
    return this.target.run(() => this.projector.apply(this.backbone.apply(images, TRAIN), TRAIN));
  }

  /**
   * @param views [x₁, x₂], each [B,S,S,3] (B ≥ 2), the same size.
   * @throws Error naming `MocoFramework.loss` for anything but two equal-shaped views.
   */
  loss(views: tf.Tensor4D[], _ctx: StepContext): tf.Scalar {
    assertViews(views, 'MocoFramework.loss', 2);
    const { temperature } = this.options;
    return tf.tidy(() => {
      if (this.queue) {
        const query = this.projector.apply(this.backbone.apply(views[0], TRAIN), TRAIN); // [B,P]
        const key = this.momentumEmbeddings(views[1]); // [B,P], no gradient
        this.pendingKeys?.dispose();
        this.pendingKeys = tf.keep(key); // enqueued in onStepEnd
        return infoNce(query, key, { temperature, negatives: this.queue.read() });
      }
      const predictor = this.predictor!;
      const [q1, q2] = encodeViews(views.slice(0, 2), (x) =>
        predictor.apply(this.projector.apply(this.backbone.apply(x, TRAIN), TRAIN), TRAIN),
      ); // [B,P] each
      const [k1, k2] = encodeViews(views.slice(0, 2), (x) => this.momentumEmbeddings(x));
      return tf.add(this.inBatch(q1, k2), this.inBatch(q2, k1)) as tf.Scalar;
    });
  }

  /** MoCo v3's ctr(q, k) = 2τ·CE(q·kᵀ/τ, diagonal): logits [B,B], positive on the diagonal. */
  private inBatch(query: tf.Tensor2D, key: tf.Tensor2D): tf.Scalar {
    const { temperature } = this.options;
    const b = query.shape[0];
    const loss = contrastiveLoss({
      logits: cosineLogits(query, key, temperature), // [B,P]·[B,P]ᵀ → [B,B]
      positives: maskFrom(b, b, (i, j) => i === j),
      denominator: tf.ones([b, b]) as tf.Tensor2D,
    });
    return tf.mul(loss, 2 * temperature) as tf.Scalar;
  }

  /** Momentum update of the key encoder, then (v2) the batch's keys join the queue. */
  override onStepEnd(ctx: StepContext): void {
    updateMomentum(
      this.momentumPairs(),
      momentumAt(ctx.step, ctx.totalSteps, this.options.momentum),
    );
    if (this.queue && this.pendingKeys) {
      this.queue.enqueue(this.pendingKeys);
      this.pendingKeys.dispose();
      this.pendingKeys = undefined;
    }
  }

  override async state(): Promise<FrameworkState> {
    if (!this.queue) return { tensors: {}, meta: {} };
    const { values, size, dim, pointer, count } = this.queue.state();
    return { tensors: { queue: { shape: [size, dim], values } }, meta: { pointer, count } };
  }

  override restore(state: FrameworkState): void {
    if (!this.queue) return;
    const saved = state.tensors.queue;
    if (!saved) throw new Error('MocoFramework.restore: state.tensors.queue is missing');
    this.queue.restore({
      size: saved.shape[0],
      dim: saved.shape[1],
      pointer: Number(state.meta.pointer),
      count: Number(state.meta.count),
      values: saved.values,
    });
  }

  dispose(): void {
    this.pendingKeys?.dispose();
    this.pendingKeys = undefined;
    this.queue?.dispose();
    this.target.dispose();
    this.predictor?.dispose();
    this.projector.dispose();
    this.backbone.dispose();
  }
}
