/**
 * Negative cosine similarity with a stop-gradient on the target, the loss of BYOL (Grill et al.,
 * NeurIPS 2020, eq. 2) and SimSiam (Chen & He, CVPR 2021, eqs. 1-2):
 *
 *   D(p, z) = −(1/N) Σ_i cos(p_i, stopgrad(z_i)).
 *
 * BYOL writes it as ‖p̄ − z̄‖² = 2 − 2·cos, i.e. `2 + 2·negativeCosine(p, z)`; both give the same
 * gradients up to the factor 2. The symmetric loss of both papers is
 * `0.5·negativeCosine(p1, z2) + 0.5·negativeCosine(p2, z1)`.
 *
 * tfjs has no `tf.stopGradient`; the target goes through {@link stopGradient}, a `tf.customGrad`
 * identity whose gradient is zero, so `tf.grad` with respect to the target is 0 (not an error)
 * and the target may be an output of the same trainable network (SimSiam).
 */
import { tf } from '../engine/tf';
import { assertMatrix, assertSameShape } from './checks';
import { l2Normalize } from './similarity_logits';
import { stopGradient } from './stop_gradient';

const FN = 'negativeCosine';

/**
 * Mean negative cosine similarity of predictions and (stop-gradient) targets.
 *
 * @param prediction [N, D] predictor outputs p (the online branch; gradients flow).
 * @param target [N, D] projections z of the other view (no gradient flows into it).
 * @returns scalar in [−1, 1]; −1 when every pair is aligned.
 * @throws Error naming `negativeCosine` and the argument for non-[N, D] inputs or mismatched shapes.
 * @example
 * const loss = tf.add(tf.mul(0.5, negativeCosine(p1, z2)), tf.mul(0.5, negativeCosine(p2, z1))); // SimSiam
 */
export function negativeCosine(prediction: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  assertMatrix(prediction, FN, 'prediction');
  assertMatrix(target, FN, 'target');
  assertSameShape(prediction, target, FN, 'prediction', 'target');
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(l2Normalize(prediction), l2Normalize(stopGradient(target))), 1); // [N]
    return tf.neg(tf.mean(cos)) as tf.Scalar;
  });
}
