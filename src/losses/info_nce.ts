/**
 * InfoNCE / NT-Xent.
 *
 * Without `negatives` this is SimCLR's NT-Xent (Chen et al., "A Simple Framework for Contrastive
 * Learning of Visual Representations", ICML 2020, eq. 1), symmetric over both views: with
 * z = [query; key] (2N rows) and s_ij = cos(z_i, z_j)/τ,
 *
 *   ℓ_i = −log( exp(s_{i,p(i)}) / Σ_{j≠i} exp(s_ij) ),  p(i) = (i + N) mod 2N,  L = mean over 2N rows.
 *
 * With `negatives` (a queue, MoCo: He et al., CVPR 2020, eq. 1) each query is contrasted with its
 * key and the M queued negatives only: logits = [q·k⁺, q·queueᵀ]/τ ([N, 1 + M]). This direction is
 * one-sided; MoCo v3-style symmetric training calls it twice with the views swapped. The key and
 * the queue should come from the momentum encoder (no gradient is needed through them).
 *
 * Both forms run through the shared core ({@link contrastiveLoss}); the negatives options only
 * change its masks and columns:
 * - `falseNegatives` — false-negative cancellation (elimination or attraction), both forms;
 * - `hardNegativeMixing` — MoCHi synthetic hard negatives, queue form only.
 */
import { tf } from '../engine/tf';
import { assertInteger, assertMatrix, assertPositive, assertSameShape } from './checks';
import {
  FalseNegativeCancellation,
  HardNegativeMixing,
  appendHardNegatives,
  cancelFalseNegatives,
} from './negative_mining';
import { contrastiveLoss, pairedViewLogits, queueLogits } from './similarity_logits';

export interface InfoNceOptions {
  /** τ, the softmax temperature (default 0.5, SimCLR's; MoCo v2 uses 0.2). */
  temperature?: number;
  /** [M, D] external negatives (a MoCo queue); M may be 0. Default: in-batch negatives (NT-Xent). */
  negatives?: tf.Tensor2D;
  /** Cancel each row's `count` most similar negatives (default: none). */
  falseNegatives?: FalseNegativeCancellation;
  /** MoCHi hard-negative mixing; needs `negatives` (default: none). */
  hardNegativeMixing?: HardNegativeMixing;
}

const FN = 'infoNce';

/**
 * InfoNCE / NT-Xent loss of two views.
 *
 * @param query [N, D] embeddings of the first view (normalised here; need not be unit length).
 * @param key [N, D] embeddings of the second view, row i the positive of query row i.
 * @param options see {@link InfoNceOptions}.
 * @returns scalar loss (natural log). Equal similarities give log(2N − 1) without negatives and
 *   log(M + 1) with a queue of M.
 * @throws Error naming `infoNce` and the argument when a tensor is not [rows, dim], shapes differ,
 *   `temperature` ≤ 0, or a negatives option is out of range.
 * @example
 * const loss = infoNce(z1, z2, { temperature: 0.5 });                       // SimCLR
 * const moco = infoNce(q, k, { temperature: 0.2, negatives: queue.read() }); // MoCo v2
 */
export function infoNce(
  query: tf.Tensor2D,
  key: tf.Tensor2D,
  options: InfoNceOptions = {},
): tf.Scalar {
  const temperature = options.temperature ?? 0.5;
  assertMatrix(query, FN, 'query');
  assertMatrix(key, FN, 'key');
  assertSameShape(query, key, FN, 'query', 'key');
  assertPositive(temperature, FN, 'options.temperature');
  const { negatives, falseNegatives, hardNegativeMixing } = options;
  if (negatives !== undefined) {
    assertMatrix(negatives, FN, 'options.negatives', 0);
    if (negatives.shape[1] !== query.shape[1]) {
      throw new Error(
        `${FN}: options.negatives must have dim ${query.shape[1]} like query, got shape [${negatives.shape}]`,
      );
    }
  }
  const available = negatives ? negatives.shape[0] : 2 * query.shape[0] - 2; // negatives per row
  let cancelled = 0;
  if (falseNegatives !== undefined) {
    assertInteger(falseNegatives.count, FN, 'options.falseNegatives.count', 1, available);
    if (falseNegatives.mode !== 'elimination' && falseNegatives.mode !== 'attraction') {
      throw new Error(
        `${FN}: options.falseNegatives.mode must be 'elimination' | 'attraction', got '${falseNegatives.mode}'`,
      );
    }
    cancelled = falseNegatives.count;
  }
  if (hardNegativeMixing !== undefined) {
    if (negatives === undefined)
      throw new Error(`${FN}: options.hardNegativeMixing needs options.negatives (a queue)`);
    const mix = hardNegativeMixing;
    assertInteger(mix.hardest, FN, 'options.hardNegativeMixing.hardest', 1, available - cancelled);
    assertInteger(mix.synthetic, FN, 'options.hardNegativeMixing.synthetic', 0);
    assertInteger(mix.querySynthetic ?? 0, FN, 'options.hardNegativeMixing.querySynthetic', 0);
    if (!Number.isFinite(mix.seed))
      throw new Error(
        `${FN}: options.hardNegativeMixing.seed must be a finite number, got ${mix.seed}`,
      );
  }

  return tf.tidy(() => {
    let problem = negatives
      ? queueLogits(query, key, negatives, temperature) // [N, 1+M]
      : pairedViewLogits(query, key, temperature); // [2N, 2N]
    if (falseNegatives) problem = cancelFalseNegatives(problem, falseNegatives);
    if (negatives && hardNegativeMixing) {
      problem = appendHardNegatives(problem, query, negatives, hardNegativeMixing, temperature); // [N, 1+M+s+s′]
    }
    return contrastiveLoss(problem);
  });
}
