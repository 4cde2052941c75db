/**
 * BYOL (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020): an online network (backbone f,
 * projector g, predictor q) predicts the projection of the other view made by a target network
 * (f_ξ, g_ξ), an exponential moving average of the online one. No negatives.
 *
 *   p = q(g(f([x₁; x₂])))  [2B,P],   z′ = g_ξ(f_ξ([x₁; x₂]))  [2B,P] (no gradient)
 *   L = (2 − 2·cos(p₁, z′₂)) + (2 − 2·cos(p₂, z′₁))            (eq. 2 and its symmetrisation)
 *
 * After each step ξ ← τ·ξ + (1 − τ)·θ with τ rising from `momentum.base` (0.99 here; 0.996 in the
 * paper's 1000-epoch runs) to 1 on a cosine (§3.2). Both views go through each network as one
 * batch, so BN statistics span both views.
 */
import { z } from 'zod';
import { tf } from '../engine/tf';
import { negativeCosine } from '../losses/negative_cosine';
import type { FrameworkContext, MomentumPair, StepContext } from './base';
import { momentumAt, updateMomentum } from './momentum';
import { headSchema, momentumSchema, parseFrameworkOptions, predictorSchema } from './options';
import { OnlinePredictorFramework } from './online_predictor';
import { TargetNetwork } from './target_network';
import { assertViews, encodeViews } from './views';

/** BYOL's options and defaults. */
export const ByolOptionsSchema = z.strictObject({
  /** Momentum of the target network: 0.99 rising to 1 on a cosine. */
  momentum: momentumSchema(0.99),
  /** Projector g(·): 2 layers with BN (the paper's 4096 → 256, scaled down for faces). */
  projector: headSchema({ hiddenFeatures: 512, outFeatures: 128, layers: 2, batchNorm: true }),
  /** Predictor q(·): same shape as the projector, output size = the projector's. */
  predictor: predictorSchema({ hiddenFeatures: 512, layers: 2, batchNorm: true }),
});
export type ByolOptionsInput = z.input<typeof ByolOptionsSchema>;
export type ByolOptions = z.output<typeof ByolOptionsSchema>;

const TRAIN = { training: true };

/**
 * BYOL: online backbone + projector + predictor, EMA target, symmetric negative cosine.
 *
 * @example
 * const fw = new ByolFramework({ momentum: { base: 0.996 } }, { backbone, seed: 0 });
 */
export class ByolFramework extends OnlinePredictorFramework {
  readonly name = 'byol';
  readonly target: TargetNetwork;
  readonly options: ByolOptions;

  /** @throws FrameworkOptionsError naming `byol.<path>` and the value for invalid options. */
  constructor(options: ByolOptionsInput, context: FrameworkContext) {
    const parsed = parseFrameworkOptions('byol', ByolOptionsSchema, options);
    super(parsed, context);
    this.options = parsed;
    this.target = new TargetNetwork([this.backbone, this.projector]);
  }

  protected override extraVariables(): tf.Variable[] {
    return Object.values(this.target.variables());
  }

  override momentumPairs(): MomentumPair[] {
    return this.target.momentumPairs();
  }

  /**
   * @param views [x₁, x₂], each [B,S,S,3] (B ≥ 2), the same size (BYOL's asymmetric augmentations
   *   differ in content, not size).
   * @throws Error naming `ByolFramework.loss` for anything but two equal-shaped views.
   */
  loss(views: tf.Tensor4D[], _ctx: StepContext): tf.Scalar {
    assertViews(views, 'ByolFramework.loss', 2);
    return tf.tidy(() => {
      const pair = views.slice(0, 2);
      const [p1, p2] = encodeViews(pair, (x) =>
        this.predictor.apply(this.projector.apply(this.backbone.apply(x, TRAIN), TRAIN), TRAIN),
      ); // [B,P] each
      const [t1, t2] = encodeViews(pair, (x) =>
        this.target.run(() => this.projector.apply(this.backbone.apply(x, TRAIN), TRAIN)),
      ); // [B,P] each, constants
      // 2 − 2·cos = 2 + 2·negativeCosine, per direction
      const one = (p: tf.Tensor2D, t: tf.Tensor2D) => tf.add(2, tf.mul(2, negativeCosine(p, t)));
      return tf.add(one(p1, t2), one(p2, t1)) as tf.Scalar;
    });
  }

  /** Momentum update of the target network. */
  override onStepEnd(ctx: StepContext): void {
    updateMomentum(
      this.momentumPairs(),
      momentumAt(ctx.step, ctx.totalSteps, this.options.momentum),
    );
  }

  override dispose(): void {
    this.target.dispose();
    super.dispose();
  }
}
