/**
 * Negative handling for {@link infoNce}: both transform a {@link ContrastiveLogits} problem, and
 * neither is differentiated through (the selections are made off the gradient tape).
 *
 * - False-negative cancellation (Huynh et al., "Boosting Contrastive Self-Supervised Learning with
 *   False Negative Cancellation", WACV 2022): per row, the `count` negatives most similar to the
 *   anchor are taken as likely false negatives and either dropped from the denominator
 *   (`elimination`) or turned into extra positives (`attraction`, SupCon-style averaging).
 * - Hard-negative mixing (Kalantidis et al., "Hard Negative Mixing for Contrastive Learning"
 *   (MoCHi), NeurIPS 2020, section 4): per query, `synthetic` negatives h = ĥ/‖ĥ‖ with
 *   ĥ = α·n_a + (1−α)·n_b, α ~ U(0, 1), and `querySynthetic` negatives with ĥ′ = β·q + (1−β)·n_c,
 *   β ~ U(0, 0.5), where n_a, n_b, n_c are drawn uniformly from the `hardest` queue negatives of that
 *   query. Synthetic points are constants (MoCHi does not backpropagate through them).
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { ContrastiveLogits, MASKED_LOGIT, l2Normalize } from './similarity_logits';
import { detached } from './stop_gradient';

export type FalseNegativeMode = 'elimination' | 'attraction';

export interface FalseNegativeCancellation {
  /** Negatives per row treated as false negatives (ties at the threshold are all included). */
  count: number;
  /** `elimination` drops them from the denominator; `attraction` makes them positives. */
  mode: FalseNegativeMode;
}

export interface HardNegativeMixing {
  /** N of MoCHi: how many of each query's most similar queue negatives to mix from. */
  hardest: number;
  /** s of MoCHi: synthetic negatives per query mixing two hard negatives. */
  synthetic: number;
  /** s′ of MoCHi: synthetic negatives per query mixing the query with a hard negative (default 0). */
  querySynthetic?: number;
  /**
   * Seed of the pair choices and mixing coefficients (same seed → same synthetic negatives). Pass
   * a fresh one per step, e.g. `rng.seed()` from the run's `Rng`.
   */
  seed: number;
}

/** Which hard negatives (ranks 0..hardest−1, 0 = most similar) each synthetic point mixes. */
export interface MixingPlan {
  /** [rows·synthetic] ranks of n_a and n_b, and α. */
  first: Int32Array;
  second: Int32Array;
  alpha: Float32Array;
  /** [rows·querySynthetic] ranks of n_c, and β. */
  queryRank: Int32Array;
  beta: Float32Array;
}

/**
 * The seeded draws of MoCHi: for each row, `synthetic` × (a, b, α), then `querySynthetic` × (c, β).
 */
export function mixingPlan(rows: number, options: HardNegativeMixing): MixingPlan {
  const { hardest, synthetic } = options;
  const querySynthetic = options.querySynthetic ?? 0;
  const rng = new Rng(options.seed);
  const plan: MixingPlan = {
    first: new Int32Array(rows * synthetic),
    second: new Int32Array(rows * synthetic),
    alpha: new Float32Array(rows * synthetic),
    queryRank: new Int32Array(rows * querySynthetic),
    beta: new Float32Array(rows * querySynthetic),
  };
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < synthetic; t++) {
      const at = i * synthetic + t;
      plan.first[at] = rng.int(hardest);
      plan.second[at] = rng.int(hardest);
      plan.alpha[at] = rng.next();
    }
    for (let t = 0; t < querySynthetic; t++) {
      plan.queryRank[i * querySynthetic + t] = rng.int(hardest);
      plan.beta[i * querySynthetic + t] = rng.uniform(0, 0.5);
    }
  }
  return plan;
}

/**
 * Marks each row's `count` most similar negatives (columns with D = 1, P = 0) as false negatives.
 *
 * @returns a new problem; the input's tensors are not disposed.
 */
export function cancelFalseNegatives(
  problem: ContrastiveLogits,
  options: FalseNegativeCancellation,
): ContrastiveLogits {
  const { logits, positives, denominator } = problem;
  return tf.tidy(() => {
    const flagged = detached(() => {
      const negatives = tf.sub(denominator, positives); // [R, C]
      const scores = tf.add(logits, tf.mul(tf.sub(1, negatives), MASKED_LOGIT));
      const values = tf.topk(scores, options.count).values; // [R, count], descending
      const threshold = tf.slice(values, [0, options.count - 1], [-1, 1]); // [R, 1]
      return tf.mul(
        tf.cast(tf.greaterEqual(scores, threshold), 'float32'),
        negatives,
      ) as tf.Tensor2D;
    });
    return options.mode === 'elimination'
      ? {
          logits: tf.clone(logits),
          positives: tf.clone(positives),
          denominator: tf.sub(denominator, flagged),
        }
      : {
          logits: tf.clone(logits),
          positives: tf.add(positives, flagged),
          denominator: tf.clone(denominator),
        };
  });
}

/**
 * Synthesises MoCHi negatives for a MoCo problem and appends their logits as denominator-only
 * columns.
 *
 * @param problem a {@link queueLogits} problem [N, 1 + M] (after any cancellation).
 * @param query [N, D]; @param negatives [M, D] the queue.
 * @returns [N, 1 + M + s + s′]; hard negatives are chosen among columns that are still negatives.
 */
export function appendHardNegatives(
  problem: ContrastiveLogits,
  query: tf.Tensor2D,
  negatives: tf.Tensor2D,
  options: HardNegativeMixing,
  temperature: number,
): ContrastiveLogits {
  const [n, d] = query.shape;
  const m = negatives.shape[0];
  const plan = mixingPlan(n, options);
  const perRow = options.synthetic + (options.querySynthetic ?? 0);
  if (perRow === 0) {
    return tf.tidy(() => ({
      logits: tf.clone(problem.logits),
      positives: tf.clone(problem.positives),
      denominator: tf.clone(problem.denominator),
    }));
  }
  return tf.tidy(() => {
    const q = l2Normalize(query);
    const synthetic = detached(() => {
      const isNegative = tf.slice(tf.sub(problem.denominator, problem.positives), [0, 1], [-1, m]);
      const scores = tf.add(
        tf.slice(problem.logits, [0, 1], [-1, m]),
        tf.mul(tf.sub(1, isNegative), MASKED_LOGIT),
      );
      const ranked = tf.reshape(tf.topk(scores, options.hardest).indices, [-1]); // [N·hardest]
      const queue = l2Normalize(negatives);
      const pick = (ranks: Int32Array, per: number) => {
        const flat = Int32Array.from(ranks, (r, at) => Math.floor(at / per) * options.hardest + r);
        return tf.reshape(tf.gather(queue, tf.gather(ranked, flat)), [n, per, d]); // [N, per, D]
      };
      const parts: tf.Tensor[] = [];
      if (options.synthetic > 0) {
        const alpha = tf.tensor3d(plan.alpha, [n, options.synthetic, 1]);
        const mix = tf.add(
          tf.mul(alpha, pick(plan.first, options.synthetic)),
          tf.mul(tf.sub(1, alpha), pick(plan.second, options.synthetic)),
        );
        parts.push(mix);
      }
      if (plan.beta.length > 0) {
        const beta = tf.tensor3d(plan.beta, [n, plan.beta.length / n, 1]);
        parts.push(
          tf.add(
            tf.mul(beta, tf.expandDims(q, 1)),
            tf.mul(tf.sub(1, beta), pick(plan.queryRank, beta.shape[1])),
          ),
        );
      }
      return l2Normalize(parts.length === 1 ? parts[0] : tf.concat(parts, 1)); // [N, s+s′, D]
    });
    const mixedLogits = tf.div(tf.sum(tf.mul(tf.expandDims(q, 1), synthetic), 2), temperature); // [N, s+s′]
    return {
      logits: tf.concat([problem.logits, mixedLogits], 1) as tf.Tensor2D,
      positives: tf.concat([problem.positives, tf.zeros([n, perRow])], 1) as tf.Tensor2D,
      denominator: tf.concat([problem.denominator, tf.ones([n, perRow])], 1) as tf.Tensor2D,
    };
  });
}
