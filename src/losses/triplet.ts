/**
 * The triplet loss with in-batch mining (Schroff et al., "FaceNet", CVPR 2015, eq. 2; Hermans et
 * al., "In Defense of the Triplet Loss for Person Re-Identification", 2017, eqs. 3-5):
 *
 *   ℓ(a, p, n) = max(0, d(a, p) − d(a, n) + m),  label(p) = label(a), p ≠ a, label(n) ≠ label(a).
 *
 * - `batchAll`: every valid triplet of the batch; averaged over the triplets with ℓ > 0
 *   (Hermans' BA≠0, default) or over all valid triplets (`average: 'all'`). Builds an [N, N, N]
 *   tensor: keep N in the low hundreds.
 * - `batchHard`: per anchor, the farthest positive and the nearest negative; averaged over the
 *   anchors that have both. The choice is a masked max/min (gather-free); {@link hardestPairs}
 *   returns it as indices for inspection.
 */
import { tf } from '../engine/tf';
import { assertMatrix, assertPositive } from './checks';
import { ClassLabels, pairMasks, readLabels } from './class_labels';
import { DistanceName, assertDistance, pairwiseDistances } from './distances';
import { detached } from './stop_gradient';

export const TRIPLET_MINING = Object.freeze({
  batchAll: 'batchAll',
  batchHard: 'batchHard',
} as const);
export type TripletMining = keyof typeof TRIPLET_MINING;

export interface TripletOptions {
  /** m, the margin (default 0.2, FaceNet's on unit-norm embeddings). */
  margin?: number;
  /** Triplet selection (default `batchHard`). */
  mining?: TripletMining;
  /** Distance (default `euclidean`; FaceNet used `squaredEuclidean`). */
  distance?: DistanceName;
  /** batchAll only: average over `nonzero` triplets (default) or `all` valid ones. */
  average?: 'nonzero' | 'all';
}

const FN = 'tripletLoss';
const BIG = 1e9;

/**
 * Triplet loss over a labelled batch.
 *
 * @param embeddings [N, D]; @param labels [N] integer identities ≥ 0.
 * @returns scalar; 0 (still connected to `embeddings`) when the batch has no valid triplet.
 * @throws Error naming `tripletLoss` and the argument for a non-matrix input, bad labels, m ≤ 0,
 *   or an unknown mining / distance / average.
 * @example
 * const loss = tripletLoss(l2Normalize(z), labels, { mining: 'batchHard', margin: 0.3 });
 */
export function tripletLoss(
  embeddings: tf.Tensor2D,
  labels: ClassLabels,
  options: TripletOptions = {},
): tf.Scalar {
  const {
    margin = 0.2,
    mining = 'batchHard',
    distance = 'euclidean',
    average = 'nonzero',
  } = options;
  assertMatrix(embeddings, FN, 'embeddings');
  const y = readLabels(labels, embeddings.shape[0], Infinity, FN);
  assertPositive(margin, FN, 'options.margin');
  assertDistance(distance, FN, 'options.distance');
  if (!Object.prototype.hasOwnProperty.call(TRIPLET_MINING, mining)) {
    throw new Error(
      `${FN}: options.mining must be 'batchAll' | 'batchHard', got '${String(mining)}'`,
    );
  }
  if (average !== 'nonzero' && average !== 'all') {
    throw new Error(`${FN}: options.average must be 'nonzero' | 'all', got '${String(average)}'`);
  }
  return tf.tidy(() => {
    const d = pairwiseDistances(embeddings, embeddings, distance); // [N, N]
    const { positive, negative } = pairMasks(y);
    return mining === 'batchHard'
      ? batchHard(d, positive, negative, margin)
      : batchAll(d, positive, negative, margin, average);
  });
}

function batchHard(
  d: tf.Tensor2D,
  positive: tf.Tensor2D,
  negative: tf.Tensor2D,
  margin: number,
): tf.Scalar {
  const hardestPositive = tf.max(tf.add(tf.mul(d, positive), tf.mul(tf.sub(positive, 1), BIG)), 1); // [N]
  const hardestNegative = tf.min(tf.add(tf.mul(d, negative), tf.mul(tf.sub(1, negative), BIG)), 1); // [N]
  const valid = tf.mul(tf.max(positive, 1), tf.max(negative, 1)); // [N] anchors with both
  const losses = tf.mul(tf.relu(tf.add(tf.sub(hardestPositive, hardestNegative), margin)), valid);
  return tf.div(tf.sum(losses), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
}

function batchAll(
  d: tf.Tensor2D,
  positive: tf.Tensor2D,
  negative: tf.Tensor2D,
  margin: number,
  average: 'nonzero' | 'all',
): tf.Scalar {
  const n = d.shape[0];
  const valid = tf.mul(tf.reshape(positive, [n, n, 1]), tf.reshape(negative, [n, 1, n])); // [a, p, n]
  const raw = tf.add(tf.sub(tf.reshape(d, [n, n, 1]), tf.reshape(d, [n, 1, n])), margin); // d(a,p) − d(a,n) + m
  const losses = tf.mul(tf.relu(raw), valid);
  const count = detached(() =>
    average === 'all'
      ? tf.sum(valid)
      : tf.sum(tf.mul(tf.cast(tf.greater(raw, 0), 'float32'), valid)),
  );
  return tf.div(tf.sum(losses), tf.maximum(count, 1)) as tf.Scalar;
}

/**
 * The batch-hard choice as indices: per anchor, the farthest same-label row and the nearest
 * different-label row (first index on ties), −1 where none exists.
 *
 * @param embeddings [N, D]; @param labels [N].
 * @throws as {@link tripletLoss}.
 */
export function hardestPairs(
  embeddings: tf.Tensor2D,
  labels: ClassLabels,
  distance: DistanceName = 'euclidean',
): { positive: Int32Array; negative: Int32Array } {
  const fn = 'hardestPairs';
  assertMatrix(embeddings, fn, 'embeddings');
  const y = readLabels(labels, embeddings.shape[0], Infinity, fn);
  assertDistance(distance, fn, 'distance');
  const n = y.length;
  const dt = pairwiseDistances(embeddings, embeddings, distance);
  const d = dt.dataSync();
  dt.dispose();
  const positive = new Int32Array(n).fill(-1);
  const negative = new Int32Array(n).fill(-1);
  for (let a = 0; a < n; a++) {
    for (let j = 0; j < n; j++) {
      const v = d[a * n + j];
      if (j !== a && y[j] === y[a] && (positive[a] < 0 || v > d[a * n + positive[a]]))
        positive[a] = j;
      if (y[j] !== y[a] && (negative[a] < 0 || v < d[a * n + negative[a]])) negative[a] = j;
    }
  }
  return { positive, negative };
}
