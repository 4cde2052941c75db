/**
 * Stochastic gradient descent with optional heavy-ball or Nesterov momentum and L2 weight decay,
 * in the PyTorch `torch.optim.SGD` form (dampening 0):
 *
 *   g = ∇w + λ·w            (λ only for variables not excluded from weight decay)
 *   v ← μ·v + g
 *   w ← w − lr·v             (heavy ball, Polyak 1964)
 *   w ← w − lr·(g + μ·v)     (Nesterov; Sutskever et al. 2013, "On the importance of
 *                             initialization and momentum in deep learning", eq. 3-4 rewritten)
 *
 * Slot `momentum` (v) exists only when μ > 0.
 */
import { tf } from '../../engine/tf';
import { checkUnitInterval } from './checks';
import { Optimizer, type UpdateContext, type WeightDecayOptions } from './optimizer';

export interface SgdOptions extends WeightDecayOptions {
  /** Momentum μ in [0, 1) (default 0: plain SGD). */
  momentum?: number;
  /** Use Nesterov momentum (default false; needs momentum > 0). */
  nesterov?: boolean;
}

/**
 * @example
 * const optimizer = new SgdOptimizer({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 * const { value, grads } = tf.variableGrads(() => loss(), list);
 * optimizer.apply(grads, variablesByName, lrAt(step, schedule));
 * @throws when momentum is outside [0, 1), weightDecay < 0, or nesterov is set without momentum.
 */
export class SgdOptimizer extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SgdOptions = {}) {
    const momentum = options.momentum ?? 0;
    super('SgdOptimizer', momentum > 0 ? ['momentum'] : [], false, options);
    checkUnitInterval('SgdOptimizer', 'options.momentum', momentum);
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && momentum === 0) {
      throw new Error('SgdOptimizer: options.nesterov needs options.momentum > 0, got 0');
    }
  }

  protected update({ variable, grad, lr, decay, slots }: UpdateContext): void {
    const g = decay ? tf.add(grad, tf.mul(variable, this.weightDecay)) : grad;
    if (this.momentum === 0) {
      variable.assign(tf.sub(variable, tf.mul(g, lr)));
      return;
    }
    const v = tf.add(tf.mul(slots.momentum, this.momentum), g);
    const direction = this.nesterov ? tf.add(g, tf.mul(v, this.momentum)) : v;
    variable.assign(tf.sub(variable, tf.mul(direction, lr)));
    slots.momentum.assign(v);
  }
}
