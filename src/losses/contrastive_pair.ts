/**
 * The pairwise contrastive loss (Hadsell, Chopra & LeCun, "Dimensionality Reduction by Learning
 * an Invariant Mapping", CVPR 2006, eq. 4), on N labelled pairs:
 *
 *   L = (1/N) Σ_i [ y_i · d_i² + (1 − y_i) · max(0, m − d_i)² ],   d_i = d(a_i, b_i),
 *
 * with y_i = 1 for a same-identity pair (note: the paper writes Y = 0 for similar pairs and puts
 * a factor ½ on both terms; here y = 1 means "same" and there is no ½).
 */
import { tf } from '../engine/tf';
import { assertMatrix, assertPositive, assertSameShape } from './checks';
import { ClassLabels, readLabels } from './class_labels';
import { DistanceName, assertDistance, rowDistances } from './distances';

export interface ContrastivePairOptions {
  /** m, the margin negatives are pushed beyond (default 1). */
  margin?: number;
  /** Distance between the two rows of a pair (default `euclidean`). */
  distance?: DistanceName;
}

const FN = 'contrastivePairLoss';

/**
 * Contrastive loss of pairs.
 *
 * @param a [N, D] first members; @param b [N, D] second members.
 * @param same [N] 1 for same-identity pairs, 0 otherwise.
 * @returns scalar, mean over pairs.
 * @throws Error naming `contrastivePairLoss` and the argument for mismatched shapes, `same` not
 *   0/1, m ≤ 0 or an unknown distance.
 * @example
 * const loss = contrastivePairLoss(left, right, [1, 0, 1], { margin: 1 });
 */
export function contrastivePairLoss(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  same: ClassLabels,
  options: ContrastivePairOptions = {},
): tf.Scalar {
  const { margin = 1, distance = 'euclidean' } = options;
  assertMatrix(a, FN, 'a');
  assertMatrix(b, FN, 'b');
  assertSameShape(a, b, FN, 'a', 'b');
  const y = readLabels(same, a.shape[0], 2, FN, 'same');
  assertPositive(margin, FN, 'options.margin');
  assertDistance(distance, FN, 'options.distance');
  return tf.tidy(() => {
    const positive = tf.tensor1d(Float32Array.from(y)); // [N]
    const d = rowDistances(a, b, distance); // [N]
    const squared = distance === 'euclidean' ? tf.sum(tf.square(tf.sub(a, b)), 1) : tf.square(d); // exact d² at d = 0
    const pull = tf.mul(positive, squared);
    const push = tf.mul(tf.sub(1, positive), tf.square(tf.relu(tf.sub(margin, d))));
    return tf.mean(tf.add(pull, push)) as tf.Scalar;
  });
}
