/**
 * Decoupled contrastive learning (Yeh et al., "Decoupled Contrastive Learning", ECCV 2022, the loss L_DC):
 * NT-Xent with the positive removed from the denominator,
 *
 *   ℓ_i = −w_i·s_{i,p(i)} + log Σ_{j∉{i,p(i)}} exp(s_ij),   s = cos/τ over z = [query; key] ([2N, 2N]),
 *
 * averaged over all 2N anchors (both directions, as lightly's `DCLLoss`). DCL has w_i = 1; DCLW
 * weights positives with the paper's negative von Mises-Fisher weighting (L_DCW),
 *
 *   w_i = 2 − N · exp(cos(q_i, k_i)/σ) / Σ_k exp(cos(q_k, k_k)/σ),   σ = 0.5,
 *
 * which averages to 1 over the batch and is larger for harder (less similar) positive pairs. The
 * weights are constants (computed off the gradient tape, as in lightly). Only the denominator
 * mask and the positive weights differ from {@link infoNce}.
 */
import { tf } from '../engine/tf';
import { assertMatrix, assertPositive, assertSameShape } from './checks';
import { contrastiveLoss, l2Normalize, maskFrom, pairedViewLogits } from './similarity_logits';
import { detached } from './stop_gradient';

export interface DclOptions {
  /** τ (default 0.1, the paper's). */
  temperature?: number;
  /** `vmf` gives DCLW; default `none` (DCL). */
  weighting?: 'none' | 'vmf';
  /** σ of the vMF weighting (default 0.5). */
  sigma?: number;
}

const FN = 'dcl';

/**
 * DCL / DCLW loss of two views.
 *
 * @param query [N, D] first view; @param key [N, D] second view; N ≥ 2 (DCL needs a negative).
 * @returns scalar loss. Equal similarities give log(2N − 2).
 * @throws Error naming `dcl` and the argument for non-[N, D] inputs, N < 2, mismatched shapes,
 *   `temperature` or `sigma` ≤ 0, or an unknown `weighting`.
 * @example
 * const loss = dcl(z1, z2, { temperature: 0.1 });
 * const weighted = dcl(z1, z2, { temperature: 0.1, weighting: 'vmf', sigma: 0.5 }); // DCLW
 */
export function dcl(query: tf.Tensor2D, key: tf.Tensor2D, options: DclOptions = {}): tf.Scalar {
  const { temperature = 0.1, weighting = 'none', sigma = 0.5 } = options;
  assertMatrix(query, FN, 'query', 2);
  assertMatrix(key, FN, 'key', 2);
  assertSameShape(query, key, FN, 'query', 'key');
  assertPositive(temperature, FN, 'options.temperature');
  assertPositive(sigma, FN, 'options.sigma');
  if (weighting !== 'none' && weighting !== 'vmf') {
    throw new Error(`${FN}: options.weighting must be 'none' | 'vmf', got '${weighting}'`);
  }
  const n = query.shape[0];
  return tf.tidy(() => {
    const problem = pairedViewLogits(query, key, temperature); // [2N, 2N]
    const denominator = maskFrom(2 * n, 2 * n, (i, j) => i !== j && j !== (i + n) % (2 * n));
    let weights: tf.Tensor | undefined;
    if (weighting === 'vmf') {
      weights = detached(() => {
        const cos = tf.sum(tf.mul(l2Normalize(query), l2Normalize(key)), 1); // [N]
        const w = tf.sub(2, tf.mul(n, tf.softmax(tf.div(cos, sigma)))); // [N]
        return tf.reshape(tf.concat([w, w], 0), [2 * n, 1]); // [2N, 1]
      });
    }
    return contrastiveLoss({ ...problem, denominator }, weights);
  });
}

/** DCLW: {@link dcl} with `weighting: 'vmf'`. */
export function dclw(
  query: tf.Tensor2D,
  key: tf.Tensor2D,
  options: Omit<DclOptions, 'weighting'> = {},
): tf.Scalar {
  return dcl(query, key, { ...options, weighting: 'vmf' });
}
