/**
 * CosFace / AM-Softmax large-margin cosine logits (Wang et al., "CosFace: Large Margin Cosine Loss
 * for Deep Face Recognition", CVPR 2018, eq. 4), a transform of cosine logits (principle 3):
 *
 *   logit_ij = s · (cos θ_ij − m)  for j = y_i,    s · cos θ_ij  otherwise.
 *
 * Gather-free (the target column is a one-hot mask), so it trains on the wasm backend.
 */
import { tf } from '../engine/tf';
import { assertPositive } from './checks';
import { ClassLabels, checkCosineLogits, oneHotMask } from './class_labels';

export interface CosFaceOptions {
  /** s, the logit scale (default 64, insightface's; the paper uses 64). */
  scale?: number;
  /** m, the additive cosine margin, 0 ≤ m < 2 (default 0.35). */
  margin?: number;
}

const FN = 'cosfaceLogits';

/**
 * CosFace logits from cosine logits.
 *
 * @param cos [N, C] cosines between embeddings and class weights.
 * @param labels [N] class ids in [0, C).
 * @returns [N, C] scaled logits; apply `crossEntropy` after.
 * @throws Error naming `cosfaceLogits` and the argument for a non-[N, C] `cos`, bad labels, s ≤ 0
 *   or m outside [0, 2).
 * @example
 * const loss = crossEntropy(cosfaceLogits(head.cosine(x), labels, { margin: 0.35 }), labels);
 */
export function cosfaceLogits(
  cos: tf.Tensor2D,
  labels: ClassLabels,
  options: CosFaceOptions = {},
): tf.Tensor2D {
  const { scale = 64, margin = 0.35 } = options;
  const labelValues = checkCosineLogits(cos, labels, FN);
  assertPositive(scale, FN, 'options.scale');
  if (typeof margin !== 'number' || !(margin >= 0 && margin < 2)) {
    throw new Error(`${FN}: options.margin must be a number in [0, 2), got ${String(margin)}`);
  }
  return tf.tidy(() => {
    const target = oneHotMask(labelValues, cos.shape[1]); // [N, C]
    return tf.mul(tf.sub(cos, tf.mul(target, margin)), scale) as tf.Tensor2D;
  });
}
