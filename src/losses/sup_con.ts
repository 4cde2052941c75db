/**
 * Supervised contrastive loss, L_out (Khosla et al., "Supervised Contrastive Learning", NeurIPS
 * 2020, eq. 2): the NT-Xent problem of two views where every other sample with the anchor's label
 * is a positive,
 *
 *   ℓ_i = −(1/|P(i)|) Σ_{p∈P(i)} log( exp(s_ip) / Σ_{a≠i} exp(s_ia) ),   s = cos/τ over [query; key].
 *
 * Only the positive mask differs from {@link infoNce}: with all labels distinct it is NT-Xent.
 * The paper's extra factor τ/τ_base is left out (it is 1 at τ = τ_base).
 */
import { tf } from '../engine/tf';
import { assertMatrix, assertPositive, assertSameShape } from './checks';
import { contrastiveLoss, labelPositives, pairedViewLogits } from './similarity_logits';

export interface SupConOptions {
  /** τ (default 0.1; the paper uses 0.1 for its best results). */
  temperature?: number;
}

const FN = 'supCon';

/**
 * SupCon L_out over two views.
 *
 * @param query [N, D] first view; @param key [N, D] second view of the same samples.
 * @param labels [N] integer class labels (tensor or array), shared by both views of a sample.
 * @returns scalar loss.
 * @throws Error naming `supCon` and the argument for non-[N, D] inputs, mismatched shapes, labels of
 *   the wrong length or `temperature` ≤ 0.
 * @example
 * const loss = supCon(z1, z2, identities, { temperature: 0.1 });
 */
export function supCon(
  query: tf.Tensor2D,
  key: tf.Tensor2D,
  labels: tf.Tensor1D | ArrayLike<number>,
  options: SupConOptions = {},
): tf.Scalar {
  const temperature = options.temperature ?? 0.1;
  assertMatrix(query, FN, 'query');
  assertMatrix(key, FN, 'key');
  assertSameShape(query, key, FN, 'query', 'key');
  assertPositive(temperature, FN, 'options.temperature');
  const n = query.shape[0];
  const length =
    labels instanceof tf.Tensor ? (labels.rank === 1 ? labels.shape[0] : -1) : labels.length;
  if (length !== n) {
    const got = labels instanceof tf.Tensor ? `shape [${labels.shape}]` : `length ${labels.length}`;
    throw new Error(`${FN}: labels must have shape [${n}] (one per query row), got ${got}`);
  }
  return tf.tidy(() => {
    const ids =
      labels instanceof tf.Tensor
        ? labels
        : tf.tensor1d(Array.from(labels as ArrayLike<number>), 'int32');
    const problem = pairedViewLogits(query, key, temperature); // [2N, 2N]
    return contrastiveLoss({ ...problem, positives: labelPositives(ids) });
  });
}
