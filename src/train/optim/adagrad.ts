/**
 * AdaGrad (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization"), in the PyTorch `torch.optim.Adagrad` form:
 *
 *   g = ∇w + λ·w            (L2 weight decay, only for variables not excluded)
 *   s ← s + g²
 *   w ← w − lr·g / (√s + ε)
 *
 * Slot `accumulator` (s) starts at `initialAccumulatorValue`.
 */
import { tf } from '../../engine/tf';
import { checkNonNegative, checkPositive } from './checks';
import { Optimizer, type UpdateContext, type WeightDecayOptions } from './optimizer';

export interface AdaGradOptions extends WeightDecayOptions {
  /** Initial value of the squared-gradient sum s, >= 0 (default 0, as PyTorch; tfjs uses 0.1). */
  initialAccumulatorValue?: number;
  /** ε > 0 added to √s (default 1e-10). */
  epsilon?: number;
}

/**
 * @example
 * const optimizer = new AdaGradOptimizer({ weightDecay: 1e-4 });
 * optimizer.apply(grads, variablesByName, 0.01);
 * @throws when initialAccumulatorValue < 0, epsilon <= 0 or weightDecay < 0.
 */
export class AdaGradOptimizer extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdaGradOptions = {}) {
    super('AdaGradOptimizer', ['accumulator'], false, options);
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0;
    this.epsilon = options.epsilon ?? 1e-10;
    checkNonNegative(
      'AdaGradOptimizer',
      'options.initialAccumulatorValue',
      this.initialAccumulatorValue,
    );
    checkPositive('AdaGradOptimizer', 'options.epsilon', this.epsilon);
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected update({ variable, grad, lr, decay, slots }: UpdateContext): void {
    const g = decay ? tf.add(grad, tf.mul(variable, this.weightDecay)) : grad;
    const s = tf.add(slots.accumulator, tf.square(g));
    const step = tf.div(tf.mul(g, lr), tf.add(tf.sqrt(s), this.epsilon));
    variable.assign(tf.sub(variable, step));
    slots.accumulator.assign(s);
  }
}
