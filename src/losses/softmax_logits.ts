/**
 * The two baselines of the margin losses:
 *
 * - plain softmax: logits = x·W + b (a linear classifier on unnormalised embeddings);
 * - normalised softmax (NormFace; Wang et al., "NormFace: L2 Hypersphere Embedding for Face
 *   Verification", ACM MM 2017, eq. 8): logits = s · cos θ, i.e. the margin losses with m = 0.
 *
 * Apply `crossEntropy` after either.
 */
import { tf } from '../engine/tf';
import { assertMatrix, assertPositive } from './checks';

const PLAIN = 'softmaxLogits';

/**
 * Plain softmax logits.
 *
 * @param embeddings [N, D]; @param weights [D, C]; @param bias optional [C].
 * @returns [N, C] = embeddings · weights (+ bias).
 * @throws Error naming `softmaxLogits` and the argument for non-matrix inputs or mismatched D / C.
 * @example
 * const loss = crossEntropy(softmaxLogits(x, w, b), labels);
 */
export function softmaxLogits(
  embeddings: tf.Tensor2D,
  weights: tf.Tensor2D,
  bias?: tf.Tensor1D,
): tf.Tensor2D {
  assertMatrix(embeddings, PLAIN, 'embeddings');
  assertMatrix(weights, PLAIN, 'weights');
  if (weights.shape[0] !== embeddings.shape[1]) {
    throw new Error(
      `${PLAIN}: weights must have ${embeddings.shape[1]} rows (the embedding dim), got shape [${weights.shape}]`,
    );
  }
  if (
    bias !== undefined &&
    (!(bias instanceof tf.Tensor) || bias.rank !== 1 || bias.shape[0] !== weights.shape[1])
  ) {
    throw new Error(
      `${PLAIN}: bias must be a tf.Tensor of shape [${weights.shape[1]}], got ${
        bias instanceof tf.Tensor ? `[${bias.shape}]` : typeof bias
      }`,
    );
  }
  return tf.tidy(() => {
    const logits = tf.matMul(embeddings, weights); // [N,D]·[D,C] → [N,C]
    return (bias ? tf.add(logits, bias) : logits) as tf.Tensor2D;
  });
}

export interface NormalizedSoftmaxOptions {
  /** s, the logit scale (default 64, as the margin losses). */
  scale?: number;
}

const NORMALIZED = 'normalizedSoftmaxLogits';

/**
 * Normalised softmax (NormFace) logits: s · cos.
 *
 * @param cos [N, C] cosines (e.g. `MarginHead.cosine`).
 * @returns [N, C].
 * @throws Error naming `normalizedSoftmaxLogits` and the argument for a non-matrix `cos` or s ≤ 0.
 * @example
 * const loss = crossEntropy(normalizedSoftmaxLogits(head.cosine(x), { scale: 30 }), labels);
 */
export function normalizedSoftmaxLogits(
  cos: tf.Tensor2D,
  options: NormalizedSoftmaxOptions = {},
): tf.Tensor2D {
  const { scale = 64 } = options;
  assertMatrix(cos, NORMALIZED, 'cos');
  assertPositive(scale, NORMALIZED, 'options.scale');
  return tf.tidy(() => tf.mul(cos, scale) as tf.Tensor2D);
}
