/**
 * Softmax cross-entropy, the last step after a margin transform (principle 3):
 *
 *   L = −(1/N) Σ_i log softmax(logits_i)[y_i] = mean_i ( logsumexp_j logits_ij − logits_{i,y_i} ).
 *
 * Gather-free: the target term is picked with a one-hot mask, so it trains on the wasm backend.
 */
import { tf } from '../engine/tf';
import { assertMatrix } from './checks';
import { ClassLabels, oneHotMask, readLabels } from './class_labels';

const FN = 'crossEntropy';

/**
 * Mean softmax cross-entropy over the batch.
 *
 * @param logits [N, C]; @param labels [N] class ids in [0, C).
 * @returns scalar (natural log).
 * @throws Error naming `crossEntropy` and the argument for a non-matrix `logits` or bad labels.
 * @example
 * const loss = crossEntropy(arcfaceLogits(head.cosine(x), labels), labels);
 */
export function crossEntropy(logits: tf.Tensor2D, labels: ClassLabels): tf.Scalar {
  assertMatrix(logits, FN, 'logits');
  const labelValues = readLabels(labels, logits.shape[0], logits.shape[1], FN);
  return tf.tidy(() => {
    const target = oneHotMask(labelValues, logits.shape[1]); // [N, C]
    const logProbabilities = tf.logSoftmax(logits); // [N, C]
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbabilities), 1))) as tf.Scalar;
  });
}
