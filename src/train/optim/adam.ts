/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) and AdamW
 * (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2):
 *
 *   g = ∇w (+ λ·w for Adam's coupled L2 decay)
 *   m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
 *   m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)
 *   w ← w − lr·(m̂ / (√v̂ + ε) + λ·w)   (the λ·w term only for AdamW: decoupled decay)
 *
 * As in PyTorch, the schedule multiplier η_t and the step size α of the paper are both the `lr`
 * passed to `apply`, so AdamW's decay per step is lr·λ. Decay skips excluded variables. Slots `m`
 * and `v`; t is a per-variable step count, checkpointed as `<name>/step`.
 */
import { tf } from '../../engine/tf';
import { checkPositive, checkUnitInterval } from './checks';
import { Optimizer, type UpdateContext, type WeightDecayOptions } from './optimizer';

export interface AdamOptions extends WeightDecayOptions {
  /** β₁ in [0, 1), decay of the first moment (default 0.9). */
  beta1?: number;
  /** β₂ in [0, 1), decay of the second moment (default 0.999). */
  beta2?: number;
  /** ε > 0 added to √v̂ (default 1e-8). */
  epsilon?: number;
}

/** The shared Adam/AdamW update; `decoupled` picks where λ·w enters. */
export abstract class AdaptiveMomentOptimizer extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly decoupled: boolean;

  protected constructor(
    label: string,
    options: AdamOptions,
    decoupled: boolean,
    defaultWeightDecay: number,
  ) {
    super(label, ['m', 'v'], true, options, defaultWeightDecay);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.decoupled = decoupled;
    checkUnitInterval(label, 'options.beta1', this.beta1);
    checkUnitInterval(label, 'options.beta2', this.beta2);
    checkPositive(label, 'options.epsilon', this.epsilon);
  }

  protected update({ variable, grad, lr, step, decay, slots }: UpdateContext): void {
    const g = decay && !this.decoupled ? tf.add(grad, tf.mul(variable, this.weightDecay)) : grad;
    const m = tf.add(tf.mul(slots.m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v = tf.add(tf.mul(slots.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    const mHat = tf.div(m, 1 - this.beta1 ** step);
    const vHat = tf.div(v, 1 - this.beta2 ** step);
    let delta = tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon));
    if (decay && this.decoupled) delta = tf.add(delta, tf.mul(variable, this.weightDecay));
    variable.assign(tf.sub(variable, tf.mul(delta, lr)));
    slots.m.assign(m);
    slots.v.assign(v);
  }
}

/**
 * Adam with coupled L2 weight decay (λ·w added to the gradient; default λ = 0).
 *
 * @example
 * const optimizer = new AdamOptimizer({ beta2: 0.99 });
 * optimizer.apply(grads, variablesByName, 1e-3);
 * @throws when beta1 or beta2 is outside [0, 1), epsilon <= 0 or weightDecay < 0.
 */
export class AdamOptimizer extends AdaptiveMomentOptimizer {
  constructor(options: AdamOptions = {}) {
    super('AdamOptimizer', options, false, 0);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (default λ = 0.01, PyTorch's default).
 *
 * @example
 * const optimizer = new AdamWOptimizer({ weightDecay: 0.05 }); // DINO/ViT-style recipe
 * optimizer.apply(grads, variablesByName, lrAt(step, schedule));
 * @throws when beta1 or beta2 is outside [0, 1), epsilon <= 0 or weightDecay < 0.
 */
export class AdamWOptimizer extends AdaptiveMomentOptimizer {
  constructor(options: AdamOptions = {}) {
    super('AdamWOptimizer', options, true, 0.01);
  }
}
