/**
 * ArcFace additive angular margin (Deng et al., "ArcFace: Additive Angular Margin Loss for Deep
 * Face Recognition", CVPR 2019, eq. 3), as a transform of cosine logits (principle 3):
 *
 *   logit_ij = s · cos(θ_ij + m)  for j = y_i,    s · cos θ_ij  otherwise,
 *   cos(θ + m) = cos θ · cos m − sin θ · sin m,   sin θ = √(1 − cos²θ).
 *
 * cos(θ + m) is not monotonic once θ + m > π, so (as insightface's `losses.py`) the target logit
 * falls back to the CosFace-like cos θ − sin(π − m)·m when cos θ ≤ th = cos(π − m). With
 * `easyMargin` the margin applies only where cos θ > 0 (cos θ is kept otherwise).
 *
 * The branch choice is a constant mask (no gradient through the comparison) and the target
 * column a one-hot mask, so the op is gather-free and trains on the wasm backend.
 */
import { tf } from '../engine/tf';
import { assertPositive } from './checks';
import { ClassLabels, checkCosineLogits, clampCosine, oneHotMask } from './class_labels';
import { detached } from './stop_gradient';

export interface ArcFaceOptions {
  /** s, the logit scale (default 64). */
  scale?: number;
  /** m, the additive angular margin in radians, 0 ≤ m < π (default 0.5). */
  margin?: number;
  /** Apply the margin only where cos θ > 0, else keep cos θ (default false). */
  easyMargin?: boolean;
}

const FN = 'arcfaceLogits';

/**
 * ArcFace logits from cosine logits.
 *
 * @param cos [N, C] cosines between embeddings and class weights (e.g. {@link MarginHead.cosine}).
 * @param labels [N] class ids in [0, C).
 * @param options see {@link ArcFaceOptions}.
 * @returns [N, C] scaled logits; apply `crossEntropy` after.
 * @throws Error naming `arcfaceLogits` and the argument for a non-[N, C] `cos`, bad labels, s ≤ 0
 *   or m outside [0, π).
 * @example
 * const loss = crossEntropy(arcfaceLogits(head.cosine(embeddings), labels), labels);
 */
export function arcfaceLogits(
  cos: tf.Tensor2D,
  labels: ClassLabels,
  options: ArcFaceOptions = {},
): tf.Tensor2D {
  const { scale = 64, margin = 0.5, easyMargin = false } = options;
  const labelValues = checkCosineLogits(cos, labels, FN);
  assertPositive(scale, FN, 'options.scale');
  if (typeof margin !== 'number' || !(margin >= 0 && margin < Math.PI)) {
    throw new Error(`${FN}: options.margin must be a number in [0, π), got ${String(margin)}`);
  }
  const [cosM, sinM] = [Math.cos(margin), Math.sin(margin)];
  const threshold = easyMargin ? 0 : Math.cos(Math.PI - margin); // insightface `th`
  const fallback = easyMargin ? 0 : Math.sin(Math.PI - margin) * margin; // insightface `mm`
  return tf.tidy(() => {
    const target = oneHotMask(labelValues, cos.shape[1]); // [N, C]
    const c = clampCosine(cos);
    const sin = tf.sqrt(tf.sub(1, tf.square(c)));
    const withMargin = tf.sub(tf.mul(c, cosM), tf.mul(sin, sinM)); // cos(θ + m), [N, C]
    const useMargin = detached(() => tf.cast(tf.greater(c, threshold), 'float32')); // [N, C]
    const marginal = tf.add(
      tf.mul(useMargin, withMargin),
      tf.mul(tf.sub(1, useMargin), tf.sub(cos, fallback)),
    );
    const logits = tf.add(cos, tf.mul(target, tf.sub(marginal, cos))); // margin on targets only
    return tf.mul(logits, scale) as tf.Tensor2D;
  });
}
