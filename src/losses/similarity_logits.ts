/**
 * The contrastive core, written once (principle 2). Every contrastive loss in faceclr is
 *
 *   ℓ_i = −(Σ_j P_ij·W_ij·s_ij) / (Σ_j P_ij) + log Σ_j D_ij·exp(s_ij),   L = mean_i ℓ_i
 *
 * over a logit matrix `s` (cosine similarities / τ) with a positive mask `P`, a denominator mask
 * `D` and optional positive weights `W`. The variants differ only in the masks:
 *
 * | loss | logits | P | D |
 * | --- | --- | --- | --- |
 * | NT-Xent (SimCLR eq. 1) | [2N,2N] over both views | other view of i | all j ≠ i |
 * | InfoNCE with a queue (MoCo) | [N,1+M] = [q·k⁺, q·queue] | column 0 | all |
 * | DCL (Yeh et al. 2022) | as NT-Xent | as NT-Xent | all j ≠ i, j ≠ positive |
 * | SupCon L_out (Khosla et al. 2020) | as NT-Xent | same label, j ≠ i | all j ≠ i |
 *
 * Masks are 0/1 float tensors; masked-out denominator entries are shifted by −1e9 before
 * `tf.logSumExp`, so only matMul, mul, add, sum, max, exp and log are differentiated (all have
 * wasm kernels; no gather).
 */
import { tf } from '../engine/tf';
import { detached } from './stop_gradient';

/** Added to masked-out logits; exp(−1e9 − max) is exactly 0 in float32. */
export const MASKED_LOGIT = -1e9;

/** Logits and masks of one contrastive problem; all three are [rows, columns]. */
export type ContrastiveLogits = {
  /** Cosine similarities divided by the temperature. */
  logits: tf.Tensor2D;
  /** 1 where column j is a positive of row i. Every row needs at least one. */
  positives: tf.Tensor2D;
  /** 1 where column j enters row i's log-sum-exp. */
  denominator: tf.Tensor2D;
};

/**
 * Row-wise L2 normalisation, x / max(‖x‖, ε) (as `torch.nn.functional.normalize`).
 *
 * @param x [rows, dim].
 * @param epsilon floor of the norm (default 1e-12), so zero rows stay zero instead of NaN.
 */
export function l2Normalize<T extends tf.Tensor>(x: T, epsilon = 1e-12): T {
  return tf.tidy(() => {
    const squaredNorm = tf.sum(tf.square(x), -1, true); // [rows, 1]
    return tf.div(x, tf.sqrt(tf.maximum(squaredNorm, epsilon * epsilon))) as T;
  });
}

/**
 * Cosine similarities divided by the temperature.
 *
 * @param a [N, D]; @param b [M, D]; rows need not be normalised.
 * @returns [N, M], s_ij = cos(a_i, b_j) / temperature.
 */
export function cosineLogits(a: tf.Tensor2D, b: tf.Tensor2D, temperature: number): tf.Tensor2D {
  return tf.tidy(() => tf.div(tf.matMul(l2Normalize(a), l2Normalize(b), false, true), temperature)); // [N,D]·[M,D]ᵀ → [N,M]
}

/** A constant 0/1 mask [rows, cols] with `fill(i, j)` deciding each entry. */
export function maskFrom(
  rows: number,
  cols: number,
  fill: (i: number, j: number) => boolean,
): tf.Tensor2D {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) values[i * cols + j] = fill(i, j) ? 1 : 0;
  return tf.tensor2d(values, [rows, cols]);
}

/**
 * The symmetric two-view problem of SimCLR: z = [query; key] ([2N, D]), s = z·zᵀ/τ ([2N, 2N]),
 * the positive of row i is row (i + N) mod 2N, the denominator is every j ≠ i.
 *
 * @param query [N, D] first view; @param key [N, D] second view (same sample order).
 */
export function pairedViewLogits(
  query: tf.Tensor2D,
  key: tf.Tensor2D,
  temperature: number,
): ContrastiveLogits {
  const n = query.shape[0];
  return tf.tidy(() => {
    const views = tf.concat([query, key], 0); // [2N, D]
    return {
      logits: cosineLogits(views, views, temperature), // [2N, 2N]
      positives: maskFrom(2 * n, 2 * n, (i, j) => j === (i + n) % (2 * n)),
      denominator: maskFrom(2 * n, 2 * n, (i, j) => i !== j),
    };
  });
}

/**
 * MoCo's problem: s = [q·k⁺, q·queueᵀ] / τ ([N, 1 + M]); column 0 is the positive; every column
 * is in the denominator. The other keys of the batch are not negatives (as in MoCo).
 *
 * @param query [N, D]; @param key [N, D] positives; @param negatives [M, D], M ≥ 0.
 */
export function queueLogits(
  query: tf.Tensor2D,
  key: tf.Tensor2D,
  negatives: tf.Tensor2D,
  temperature: number,
): ContrastiveLogits {
  const [n, m] = [query.shape[0], negatives.shape[0]];
  return tf.tidy(() => {
    const q = l2Normalize(query);
    const positive = tf.div(tf.sum(tf.mul(q, l2Normalize(key)), 1, true), temperature); // [N, 1]
    const logits =
      m === 0 ? positive : tf.concat([positive, cosineLogits(q, negatives, temperature)], 1); // [N, 1+M]
    return {
      logits: logits as tf.Tensor2D,
      positives: maskFrom(n, 1 + m, (_i, j) => j === 0),
      denominator: tf.ones([n, 1 + m]) as tf.Tensor2D,
    };
  });
}

/**
 * Positive mask from labels for the two-view problem (SupCon): rows i and j of [query; key] are
 * positives when their labels are equal and i ≠ j. Computed off the gradient tape.
 *
 * @param labels [N] (one label per sample; both views share it).
 * @returns [2N, 2N] 0/1.
 */
export function labelPositives(labels: tf.Tensor1D): tf.Tensor2D {
  return detached(() => {
    const both = tf.concat([labels, labels], 0); // [2N]
    const same = tf.cast(tf.equal(tf.expandDims(both, 1), tf.expandDims(both, 0)), 'float32'); // [2N, 2N]
    return tf.mul(same, tf.sub(1, tf.eye(both.shape[0]))) as tf.Tensor2D;
  });
}

/**
 * The loss of the module comment, averaged over rows.
 *
 * @param problem logits and masks, [R, C] each.
 * @param positiveWeights optional weights of the positive terms, broadcastable to [R, C]
 *   (DCLW's [R, 1]); the positive term is still divided by the unweighted count Σ_j P_ij.
 * @returns scalar.
 */
export function contrastiveLoss(
  problem: ContrastiveLogits,
  positiveWeights?: tf.Tensor,
): tf.Scalar {
  const { logits, positives, denominator } = problem;
  return tf.tidy(() => {
    const weighted = positiveWeights ? tf.mul(positives, positiveWeights) : positives;
    const positiveTerm = tf.div(tf.sum(tf.mul(weighted, logits), 1), tf.sum(positives, 1)); // [R]
    const masked = tf.add(logits, tf.mul(tf.sub(1, denominator), MASKED_LOGIT)); // [R, C]
    return tf.mean(tf.sub(tf.logSumExp(masked, 1), positiveTerm)) as tf.Scalar;
  });
}
