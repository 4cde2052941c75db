/**
 * SphereFace / A-Softmax multiplicative angular margin (Liu et al., "SphereFace: Deep Hypersphere
 * Embedding for Face Recognition", CVPR 2017, eqs. 6-7 and §3.4), a transform of cosine logits:
 *
 *   ψ(θ) = (−1)^k cos(mθ) − 2k,   θ ∈ [kπ/m, (k+1)π/m], k ∈ {0, …, m−1}, integer m ≥ 1,
 *   logit_ij = ‖x_i‖ · (λ cos θ_ij + ψ(θ_ij)) / (1 + λ)  for j = y_i,   ‖x_i‖ cos θ_ij  otherwise.
 *
 * ψ is continuous and decreasing on [0, π] (ψ(kπ/m) = 1 − 2k from both sides). cos(mθ) is
 * evaluated as the Chebyshev polynomial T_m(cos θ), as in the authors' Caffe layer, so the
 * gradient never goes through acos; k = ⌊mθ/π⌋ is a constant (no gradient).
 *
 * λ anneals from softmax (λ large) to A-Softmax (the paper's training trick, Caffe
 * `margin_inner_product` layer): λ = max(λ_min, base·(1 + γ·iteration)^(−power)), defaults base
 * 1000, γ 0.12, power 1, λ_min 5 ({@link sphereFaceLambda}).
 *
 * The paper scales logits by the feature norm ‖x_i‖ (weights are normalised, features not):
 * pass `featureNorms`. Normalised-feature variants pass a fixed `scale` instead.
 */
import { tf } from '../engine/tf';
import { assertInteger, assertPositive } from './checks';
import { ClassLabels, checkCosineLogits, clampCosine, oneHotMask } from './class_labels';
import { detached } from './stop_gradient';

/** λ schedule of SphereFace's Caffe layer. */
export interface SphereFaceSchedule {
  /** Default 1000. */
  base?: number;
  /** γ, default 0.12. */
  gamma?: number;
  /** Default 1. */
  power?: number;
  /** λ_min, default 5. */
  minimum?: number;
}

export interface SphereFaceOptions {
  /** m, the integer angular multiplier ≥ 1 (default 4; m = 1 is the normalised-weight softmax). */
  margin?: number;
  /** [N] or [N, 1] feature norms ‖x_i‖ scaling each row (the paper); differentiated through. */
  featureNorms?: tf.Tensor;
  /** A fixed logit scale used instead of `featureNorms`. Exactly one of the two is required. */
  scale?: number;
  /** Training iteration for the λ schedule. */
  iteration?: number;
  /** λ schedule parameters (used with `iteration`). */
  schedule?: SphereFaceSchedule;
  /** A fixed λ ≥ 0, overriding the schedule. Without `lambda` or `iteration`, λ = 0 (pure ψ). */
  lambda?: number;
}

const FN = 'sphereFaceLogits';

/**
 * λ of the annealing schedule at `iteration`: max(λ_min, base·(1 + γ·iteration)^(−power)).
 *
 * @example sphereFaceLambda(0) === 1000; sphereFaceLambda(1e6) === 5
 */
export function sphereFaceLambda(iteration: number, schedule: SphereFaceSchedule = {}): number {
  const { base = 1000, gamma = 0.12, power = 1, minimum = 5 } = schedule;
  if (!(iteration >= 0) || !Number.isFinite(iteration)) {
    throw new Error(`sphereFaceLambda: iteration must be a finite number >= 0, got ${iteration}`);
  }
  for (const [name, v] of Object.entries({ base, gamma, power, minimum })) {
    if (!Number.isFinite(v) || v < 0) {
      throw new Error(`sphereFaceLambda: schedule.${name} must be a finite number >= 0, got ${v}`);
    }
  }
  return Math.max(minimum, base * Math.pow(1 + gamma * iteration, -power));
}

/** cos(mθ) as the Chebyshev polynomial T_m(c), c = cos θ. */
function chebyshev(c: tf.Tensor, m: number): tf.Tensor {
  let [previous, current] = [tf.onesLike(c), c];
  for (let i = 1; i < m; i++)
    [previous, current] = [current, tf.sub(tf.mul(tf.mul(c, 2), current), previous)];
  return current;
}

/**
 * ψ(θ) of the module comment, elementwise, from cosines (clamped into [−1 + ε, 1 − ε]).
 *
 * @param cos any shape; @param margin integer m ≥ 1.
 */
export function sphereFacePsi(cos: tf.Tensor, margin: number): tf.Tensor {
  return tf.tidy(() => {
    const c = clampCosine(cos);
    const k = detached(() =>
      tf.minimum(tf.floor(tf.div(tf.mul(tf.acos(c), margin), Math.PI)), margin - 1),
    );
    const sign = detached(() => tf.sub(1, tf.mul(2, tf.sub(k, tf.mul(2, tf.floor(tf.div(k, 2)))))));
    return tf.sub(tf.mul(sign, chebyshev(c, margin)), tf.mul(2, k));
  });
}

/**
 * SphereFace (A-Softmax) logits from cosine logits.
 *
 * @param cos [N, C] cosines between embeddings and (normalised) class weights.
 * @param labels [N] class ids in [0, C).
 * @returns [N, C] logits; apply `crossEntropy` after.
 * @throws Error naming `sphereFaceLogits` and the argument for a non-[N, C] `cos`, bad labels, a
 *   non-integer m, a bad λ, or not exactly one of `featureNorms` / `scale`.
 * @example
 * const norms = tf.norm(embeddings, 'euclidean', 1); // [N]
 * const logits = sphereFaceLogits(head.cosine(embeddings), labels, { featureNorms: norms, iteration: step });
 */
export function sphereFaceLogits(
  cos: tf.Tensor2D,
  labels: ClassLabels,
  options: SphereFaceOptions = {},
): tf.Tensor2D {
  const { margin = 4, featureNorms, scale, iteration } = options;
  const labelValues = checkCosineLogits(cos, labels, FN);
  assertInteger(margin, FN, 'options.margin', 1);
  if ((featureNorms === undefined) === (scale === undefined)) {
    throw new Error(`${FN}: exactly one of options.featureNorms and options.scale is required`);
  }
  if (scale !== undefined) assertPositive(scale, FN, 'options.scale');
  const n = cos.shape[0];
  if (featureNorms !== undefined) {
    if (
      !(featureNorms instanceof tf.Tensor) ||
      featureNorms.size !== n ||
      featureNorms.shape[0] !== n
    ) {
      throw new Error(
        `${FN}: options.featureNorms must be a tf.Tensor of shape [${n}] or [${n}, 1], got ${
          featureNorms instanceof tf.Tensor ? `[${featureNorms.shape}]` : typeof featureNorms
        }`,
      );
    }
  }
  let lambda = options.lambda;
  if (lambda !== undefined) {
    if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) {
      throw new Error(`${FN}: options.lambda must be a finite number >= 0, got ${String(lambda)}`);
    }
  } else if (iteration !== undefined) {
    if (typeof iteration !== 'number' || !Number.isFinite(iteration) || iteration < 0) {
      throw new Error(
        `${FN}: options.iteration must be a finite number >= 0, got ${String(iteration)}`,
      );
    }
    lambda = sphereFaceLambda(iteration, options.schedule);
  } else lambda = 0;
  const lam = lambda;
  return tf.tidy(() => {
    const target = oneHotMask(labelValues, cos.shape[1]); // [N, C]
    const annealed = tf.div(tf.add(tf.mul(cos, lam), sphereFacePsi(cos, margin)), 1 + lam); // [N, C]
    const logits = tf.add(cos, tf.mul(target, tf.sub(annealed, cos)));
    const rowScale = featureNorms ? tf.reshape(featureNorms, [n, 1]) : (scale as number); // [N, 1]
    return tf.mul(logits, rowScale) as tf.Tensor2D;
  });
}
