/**
 * SimSiam (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021): one network
 * (backbone f, projector g), a predictor h, and a stop-gradient on the other branch — no
 * negatives, no momentum encoder:
 *
 *   z = g(f([x₁; x₂]))  [2B,P],   p = h(z)
 *   L = ½·D(p₁, sg(z₂)) + ½·D(p₂, sg(z₁)),   D(p, z) = −cos(p, z)                   (eqs. 1-4)
 *
 * The projector is the paper's: dense layers with BN and ReLU on the hidden ones, and a BN
 * without affine parameters on its output (here a plain batch standardisation of z); the
 * predictor is a bottleneck MLP (hidden P/4) with BN on its hidden layer. Without these BNs and
 * the stop-gradient SimSiam collapses (§4). Both views go through the network as one batch.
 */
import { z } from 'zod';
import { tf } from '../engine/tf';
import { batchNormTrain } from '../engine/batch_norm';
import { negativeCosine } from '../losses/negative_cosine';
import type { FrameworkContext, StepContext } from './base';
import { OnlinePredictorFramework } from './online_predictor';
import { headSchema, parseFrameworkOptions, predictorSchema } from './options';
import { assertViews } from './views';

/** SimSiam's options and defaults. */
export const SimSiamOptionsSchema = z.strictObject({
  /** Projector g(·): 3 layers with BN (the paper's 2048-2048-2048, scaled down for faces). */
  projector: headSchema({ hiddenFeatures: 512, outFeatures: 512, layers: 3, batchNorm: true }),
  /** Predictor h(·): bottleneck 2-layer MLP (the paper's 2048 → 512 → 2048). */
  predictor: predictorSchema({ hiddenFeatures: 128, layers: 2, batchNorm: true }),
});
export type SimSiamOptionsInput = z.input<typeof SimSiamOptionsSchema>;
export type SimSiamOptions = z.output<typeof SimSiamOptionsSchema>;

const TRAIN = { training: true };

/**
 * SimSiam: backbone + projector (output BN) + predictor, symmetric negative cosine with
 * stop-gradient.
 *
 * @example
 * const fw = new SimSiamFramework({}, { backbone, seed: 0 });
 */
export class SimSiamFramework extends OnlinePredictorFramework {
  readonly name = 'simsiam';
  readonly options: SimSiamOptions;

  /** @throws FrameworkOptionsError naming `simsiam.<path>` and the value for invalid options. */
  constructor(options: SimSiamOptionsInput, context: FrameworkContext) {
    const parsed = parseFrameworkOptions('simsiam', SimSiamOptionsSchema, options);
    super(parsed, context);
    this.options = parsed;
  }

  /**
   * @param views [x₁, x₂], each [B,S,S,3] (B ≥ 2), the same size.
   * @throws Error naming `SimSiamFramework.loss` for anything but two equal-shaped views.
   */
  loss(views: tf.Tensor4D[], _ctx: StepContext): tf.Scalar {
    assertViews(views, 'SimSiamFramework.loss', 2);
    return tf.tidy(() => {
      const x = tf.concat(views.slice(0, 2), 0) as tf.Tensor4D; // [2B,S,S,3]
      const z = standardize(this.projector.apply(this.backbone.apply(x, TRAIN), TRAIN)); // [2B,P]
      const p = this.predictor.apply(z, TRAIN); // [2B,P]
      const [z1, z2] = tf.split(z, 2, 0) as tf.Tensor2D[];
      const [p1, p2] = tf.split(p, 2, 0) as tf.Tensor2D[];
      const loss = tf.add(tf.mul(0.5, negativeCosine(p1, z2)), tf.mul(0.5, negativeCosine(p2, z1)));
      return loss as tf.Scalar;
    });
  }
}

/** Batch norm without affine parameters (γ = 1, β = 0), training statistics: [B,P] → [B,P]. */
function standardize(x: tf.Tensor2D): tf.Tensor2D {
  const channels = x.shape[1];
  const { y, mean, variance } = batchNormTrain(x, tf.ones([channels]), tf.zeros([channels]));
  mean.dispose();
  variance.dispose();
  return y as tf.Tensor2D;
}
