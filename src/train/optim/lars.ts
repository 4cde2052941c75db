/**
 * LARS, layer-wise adaptive rate scaling (You, Gitman & Ginsburg 2017, "Large Batch Training of
 * Convolutional Networks"), in the form of SimCLR's reference `lars_optimizer.py` (Chen et al.
 * 2020), which SimCLR, BYOL and Barlow Twins train with:
 *
 *   g = ∇w + λ·w                       (λ only for variables not excluded from weight decay)
 *   r = η·‖w‖ / ‖g‖  if ‖w‖ > 0 and ‖g‖ > 0, else 1   (trust ratio; r = 1 when excluded from
 *                                                       adaptation)
 *   v ← μ·v + lr·r·g
 *   w ← w − v                          (or w − (μ·v + lr·r·g) with Nesterov)
 *
 * The learning rate sits inside the momentum buffer, as in SimCLR (not PyTorch-SGD style). The
 * paper's denominator ‖∇w‖ + λ‖w‖ is replaced by ‖∇w + λ·w‖, as in SimCLR and BYOL. By default
 * biases and batch-norm γ/β are excluded from both decay and adaptation, as SimCLR and BYOL
 * do.
 * Slot `momentum` (v) exists only when μ > 0.
 */
import { tf } from '../../engine/tf';
import { checkNonNegative, checkUnitInterval } from './checks';
import { Optimizer, type UpdateContext, type WeightDecayOptions } from './optimizer';

export interface LarsOptions extends WeightDecayOptions {
  /** Momentum μ in [0, 1) (default 0.9). */
  momentum?: number;
  /** Use Nesterov momentum (default false). */
  nesterov?: boolean;
  /** Trust coefficient η >= 0 (default 0.001, as You et al. and SimCLR). */
  trustCoefficient?: number;
  /** Variables updated without the trust ratio (default: the `excludeFromWeightDecay` rule). */
  excludeFromAdaptation?: (name: string) => boolean;
}

/**
 * @example
 * const optimizer = new LarsOptimizer({ weightDecay: 1e-6 }); // SimCLR: lr = 0.3 × batch / 256
 * optimizer.apply(grads, variablesByName, lrAt(step, schedule));
 * @throws when momentum is outside [0, 1), trustCoefficient < 0 or weightDecay < 0.
 */
export class LarsOptimizer extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly trustCoefficient: number;
  readonly excludeFromAdaptation: (name: string) => boolean;

  constructor(options: LarsOptions = {}) {
    const momentum = options.momentum ?? 0.9;
    super('LarsOptimizer', momentum > 0 ? ['momentum'] : [], false, options);
    checkUnitInterval('LarsOptimizer', 'options.momentum', momentum);
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
    this.trustCoefficient = options.trustCoefficient ?? 0.001;
    checkNonNegative('LarsOptimizer', 'options.trustCoefficient', this.trustCoefficient);
    this.excludeFromAdaptation = options.excludeFromAdaptation ?? this.excludeFromWeightDecay;
  }

  /** The trust ratio r = η‖w‖/‖g‖ (1 when either norm is 0), as a scalar; `g` includes decay. */
  trustRatio(weights: tf.Tensor, grad: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const wNorm = tf.sqrt(tf.sum(tf.square(weights)));
      const gNorm = tf.sqrt(tf.sum(tf.square(grad)));
      const positive = tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0));
      return tf.where(
        positive,
        tf.div(tf.mul(wNorm, this.trustCoefficient), gNorm),
        tf.onesLike(wNorm),
      );
    }) as tf.Scalar;
  }

  protected update({ name, variable, grad, lr, decay, slots }: UpdateContext): void {
    const g = decay ? tf.add(grad, tf.mul(variable, this.weightDecay)) : grad;
    const scaledLr = this.excludeFromAdaptation(name)
      ? tf.scalar(lr)
      : tf.mul(this.trustRatio(variable, g), lr);
    const step = tf.mul(g, scaledLr);
    if (this.momentum === 0) {
      variable.assign(tf.sub(variable, step));
      return;
    }
    const v = tf.add(tf.mul(slots.momentum, this.momentum), step);
    const delta = this.nesterov ? tf.add(tf.mul(v, this.momentum), step) : v;
    variable.assign(tf.sub(variable, delta));
    slots.momentum.assign(v);
  }
}
