/**
 * The optimizers by name, as recipes refer to them. The keys are `OptimizerName`; each value
 * builds a fresh optimizer from its options (see each class for fields and defaults).
 */
import { AdaGradOptimizer, type AdaGradOptions } from './adagrad';
import { AdamOptimizer, AdamWOptimizer, type AdamOptions } from './adam';
import { LarsOptimizer, type LarsOptions } from './lars';
import type { Optimizer } from './optimizer';
import { SgdOptimizer, type SgdOptions } from './sgd';

export const OPTIMIZERS = Object.freeze({
  /** SGD, optionally with momentum or Nesterov momentum, and L2 decay. */
  sgd: (options?: SgdOptions) => new SgdOptimizer(options),
  /** AdaGrad with L2 decay. */
  adagrad: (options?: AdaGradOptions) => new AdaGradOptimizer(options),
  /** Adam with coupled L2 decay. */
  adam: (options?: AdamOptions) => new AdamOptimizer(options),
  /** AdamW: Adam with decoupled decay. */
  adamw: (options?: AdamOptions) => new AdamWOptimizer(options),
  /** LARS with trust-ratio adaptation (SimCLR / BYOL). */
  lars: (options?: LarsOptions) => new LarsOptimizer(options),
});

export type OptimizerName = keyof typeof OPTIMIZERS;
export type OptimizerOptionsOf<N extends OptimizerName> = NonNullable<
  Parameters<(typeof OPTIMIZERS)[N]>[0]
>;

/**
 * Builds the optimizer registered under `name`.
 *
 * @example
 * const optimizer = createOptimizer('lars', { weightDecay: 1e-6 });
 * @throws when `name` is not a key of `OPTIMIZERS`, or the options are invalid.
 */
export function createOptimizer<N extends OptimizerName>(
  name: N,
  options?: OptimizerOptionsOf<N>,
): Optimizer {
  if (!Object.prototype.hasOwnProperty.call(OPTIMIZERS, name)) {
    throw new Error(
      `createOptimizer: name must be one of ${Object.keys(OPTIMIZERS).join(' | ')}, got '${name}'`,
    );
  }
  return (OPTIMIZERS[name] as (options?: OptimizerOptionsOf<N>) => Optimizer)(options);
}
