/**
 * SwAV (Caron et al., "Unsupervised Learning of Visual Features by Contrasting Cluster
 * Assignments", NeurIPS 2020): swapped prediction of Sinkhorn-Knopp codes over multi-crop.
 *
 * Codes (section 3.1, eq. 3, Algorithm 1 of the appendix): for prototype scores S ([B, K], the
 * cosine of each normalised embedding with each normalised prototype),
 *   Q = exp(S/ε)ᵀ / Σ exp(S/ε); repeat `iterations` times: rows (prototypes) scaled to sum 1/K,
 *   then columns (samples) scaled to sum 1/B; finally Q·B, so each sample's code sums to 1 and each
 *   prototype receives ≈ B/K samples (the equal-partition constraint).
 * Loss (eqs. 1-2, multi-crop): for each of the global crops c (codes q_c, no gradient) and each
 *   other crop v, −Σ_k q_ck·log softmax(S_v/τ)_k, averaged over samples, over the V − 1 crops v and
 *   over the global crops.
 */
import { tf } from '../engine/tf';
import { assertInteger, assertMatrix, assertPositive, assertSameShape } from './checks';
import { detached } from './stop_gradient';

export interface SinkhornOptions {
  /** ε, the entropy regularisation (default 0.05). */
  epsilon?: number;
  /** Sinkhorn-Knopp iterations (default 3). */
  iterations?: number;
}

/**
 * Sinkhorn-Knopp codes, computed off the gradient tape.
 *
 * @param scores [B, K] prototype scores.
 * @returns [B, K] codes; each row sums to 1, each column to ≈ B/K.
 * @throws Error naming `sinkhornKnopp` and the argument for a non-[B, K] `scores`, `epsilon` ≤ 0 or
 *   `iterations` not an integer ≥ 1.
 * @example
 * const codes = sinkhornKnopp(scores, { epsilon: 0.05, iterations: 3 });
 */
export function sinkhornKnopp(scores: tf.Tensor2D, options: SinkhornOptions = {}): tf.Tensor2D {
  const { epsilon = 0.05, iterations = 3 } = options;
  assertMatrix(scores, 'sinkhornKnopp', 'scores');
  assertPositive(epsilon, 'sinkhornKnopp', 'options.epsilon');
  assertInteger(iterations, 'sinkhornKnopp', 'options.iterations', 1);
  const [b, k] = scores.shape;
  return detached(() => {
    // The global max is subtracted for float32 range; it cancels in the first normalisation.
    let q = tf.exp(tf.div(tf.sub(scores, tf.max(scores)), epsilon)); // [B, K] (Qᵀ of the paper)
    q = tf.div(q, tf.sum(q));
    for (let it = 0; it < iterations; it++) {
      q = tf.div(q, tf.mul(tf.sum(q, 0, true), k)); // each prototype (column here) sums to 1/K
      q = tf.div(q, tf.mul(tf.sum(q, 1, true), b)); // each sample (row here) sums to 1/B
    }
    return tf.mul(q, b) as tf.Tensor2D;
  });
}

export interface SwavOptions extends SinkhornOptions {
  /** τ of the prediction softmax (default 0.1). */
  temperature?: number;
  /** How many leading crops are global crops that get codes (default 2). */
  globalCrops?: number;
  /**
   * Per global crop, scores [Q, K] of queued features against the current prototypes; they join
   * the Sinkhorn batch (B + Q columns) and only the batch's codes are kept. Default: no queue.
   */
  queueScores?: (tf.Tensor2D | undefined)[];
}

const FN = 'swav';

/**
 * The SwAV swapped-prediction loss over 2 global + N local crops.
 *
 * @param cropScores V ≥ 2 tensors [B, K], prototype scores of each crop, global crops first.
 * @returns scalar loss.
 * @throws Error naming `swav` and the argument for fewer than 2 crops, crops of different shapes,
 *   `globalCrops` out of [1, V], a queue with K' ≠ K, or `temperature`/`epsilon` ≤ 0.
 * @example
 * const scores = crops.map((z) => tf.matMul(l2Normalize(z), prototypes, false, true)); // [B, K] each
 * const loss = swav(scores, { temperature: 0.1, epsilon: 0.05, iterations: 3 });
 */
export function swav(cropScores: tf.Tensor2D[], options: SwavOptions = {}): tf.Scalar {
  const { temperature = 0.1, globalCrops = 2, queueScores = [] } = options;
  if (!Array.isArray(cropScores) || cropScores.length < 2) {
    throw new Error(
      `${FN}: cropScores must be an array of at least 2 crops, got ${Array.isArray(cropScores) ? cropScores.length : typeof cropScores}`,
    );
  }
  cropScores.forEach((s, v) => {
    assertMatrix(s, FN, `cropScores[${v}]`);
    assertSameShape(s, cropScores[0], FN, `cropScores[${v}]`, 'cropScores[0]');
  });
  assertPositive(temperature, FN, 'options.temperature');
  assertPositive(options.epsilon ?? 0.05, FN, 'options.epsilon');
  assertInteger(options.iterations ?? 3, FN, 'options.iterations', 1);
  assertInteger(globalCrops, FN, 'options.globalCrops', 1, cropScores.length);
  const [b, k] = cropScores[0].shape;
  queueScores.forEach((s, c) => {
    if (s === undefined) return;
    assertMatrix(s, FN, `options.queueScores[${c}]`, 0);
    if (s.shape[1] !== k)
      throw new Error(
        `${FN}: options.queueScores[${c}] must have ${k} prototype columns, got shape [${s.shape}]`,
      );
  });
  const sinkhorn = { epsilon: options.epsilon, iterations: options.iterations };
  return tf.tidy(() => {
    // log softmax(S_v/τ) of every crop, [B, K] each
    const logProbs = cropScores.map((s) => {
      const x = tf.div(s, temperature);
      return tf.sub(x, tf.logSumExp(x, 1, true));
    });
    let total: tf.Tensor = tf.scalar(0);
    for (let c = 0; c < globalCrops; c++) {
      const queue = queueScores[c];
      const codes =
        queue && queue.shape[0] > 0
          ? tf.slice(
              sinkhornKnopp(tf.concat([queue, cropScores[c]], 0) as tf.Tensor2D, sinkhorn),
              [queue.shape[0], 0],
              [b, k],
            )
          : sinkhornKnopp(cropScores[c], sinkhorn); // [B, K]
      for (let v = 0; v < cropScores.length; v++) {
        if (v === c) continue;
        const crossEntropy = tf.neg(tf.mean(tf.sum(tf.mul(codes, logProbs[v]), 1)));
        total = tf.add(total, tf.div(crossEntropy, cropScores.length - 1));
      }
    }
    return tf.div(total, globalCrops) as tf.Scalar;
  });
}
