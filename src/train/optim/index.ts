export { AdaGradOptimizer, type AdaGradOptions } from './adagrad';
export { AdamOptimizer, AdamWOptimizer, type AdamOptions } from './adam';
export { clipByGlobalNorm, clipByValue } from './clip';
export { LarsOptimizer, type LarsOptions } from './lars';
export {
  Optimizer,
  isBiasOrNormVariable,
  type OptimizerState,
  type SlotSnapshot,
  type WeightDecayOptions,
} from './optimizer';
export {
  OPTIMIZERS,
  createOptimizer,
  type OptimizerName,
  type OptimizerOptionsOf,
} from './registry';
export * from './schedule';
export { SgdOptimizer, type SgdOptions } from './sgd';
