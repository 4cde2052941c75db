/**
 * Distances of the metric losses (contrastive pairs, triplets), gather-free and safe to
 * differentiate at zero distance.
 *
 * - `euclidean`: ‖a − b‖, computed as √max(d², 1e-12), so the gradient at d = 0 is 0, not NaN;
 * - `squaredEuclidean`: ‖a − b‖² (FaceNet's);
 * - `cosine`: 1 − cos(a, b) (rows normalised here).
 *
 * Euclidean distances are taken on the embeddings as given; L2-normalise them first for
 * FaceNet-style unit-sphere embeddings.
 */
import { tf } from '../engine/tf';
import { l2Normalize } from './similarity_logits';

export const DISTANCES = Object.freeze({
  euclidean: 'euclidean',
  squaredEuclidean: 'squaredEuclidean',
  cosine: 'cosine',
} as const);
export type DistanceName = keyof typeof DISTANCES;

/** Floor of d² under the square root. */
const MIN_SQUARED = 1e-12;

/** Throws unless `name` is a {@link DistanceName}. */
export function assertDistance(
  name: unknown,
  fn: string,
  arg: string,
): asserts name is DistanceName {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(DISTANCES, name)) {
    throw new Error(
      `${fn}: ${arg} must be one of ${Object.keys(DISTANCES).join(' | ')}, got '${String(name)}'`,
    );
  }
}

/**
 * All pairwise distances.
 *
 * @param a [N, D]; @param b [M, D].
 * @returns [N, M], d(a_i, b_j).
 */
export function pairwiseDistances(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  distance: DistanceName,
): tf.Tensor2D {
  return tf.tidy(() => {
    if (distance === 'cosine') {
      return tf.sub(1, tf.matMul(l2Normalize(a), l2Normalize(b), false, true)) as tf.Tensor2D; // [N, M]
    }
    const squared = tf.add(
      tf.sub(tf.sum(tf.square(a), 1, true), tf.mul(2, tf.matMul(a, b, false, true))), // [N,1] − [N,M]
      tf.reshape(tf.sum(tf.square(b), 1), [1, -1]), // [1, M]
    );
    if (distance === 'squaredEuclidean') return tf.relu(squared) as tf.Tensor2D;
    return tf.sqrt(tf.maximum(squared, MIN_SQUARED)) as tf.Tensor2D;
  });
}

/**
 * Row-wise distances of paired rows.
 *
 * @param a [N, D]; @param b [N, D].
 * @returns [N], d(a_i, b_i).
 */
export function rowDistances(a: tf.Tensor2D, b: tf.Tensor2D, distance: DistanceName): tf.Tensor1D {
  return tf.tidy(() => {
    if (distance === 'cosine') {
      return tf.sub(1, tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1)) as tf.Tensor1D;
    }
    const squared = tf.sum(tf.square(tf.sub(a, b)), 1); // [N]
    if (distance === 'squaredEuclidean') return squared as tf.Tensor1D;
    return tf.sqrt(tf.maximum(squared, MIN_SQUARED)) as tf.Tensor1D;
  });
}
