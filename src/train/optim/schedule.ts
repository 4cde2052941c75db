/**
 * Learning-rate schedules (pure functions of the step) and the cosine schedule of the target
 * network's momentum τ for BYOL / MoCo. Steps count optimizer updates from 0; a fractional step
 * (e.g. an epoch fraction) is allowed.
 */
import { checkCount, checkNonNegative, checkPositive } from './checks';

export interface WarmupOptions {
  /** Peak learning rate reached at the end of warm-up (required, >= 0). */
  baseLr: number;
  /** Steps of linear warm-up from `warmupStartLr` to `baseLr` (integer >= 0, default 0). */
  warmupSteps?: number;
  /** Learning rate at step 0 when warming up (>= 0, default 0, as SimCLR, BYOL, MoCo v3). */
  warmupStartLr?: number;
}

export interface CosineScheduleOptions extends WarmupOptions {
  /** Step at which the cosine reaches `finalLr` (integer > 0, >= warmupSteps). */
  totalSteps: number;
  /** Learning rate at and after `totalSteps` (>= 0, default 0). */
  finalLr?: number;
}

export interface StepDecayOptions extends WarmupOptions {
  /** Steps at which the rate is multiplied by `gamma` (integers >= 0, any order). */
  milestones: readonly number[];
  /** Factor applied at each milestone passed (>= 0, default 0.1). */
  gamma?: number;
}

export interface MomentumScheduleOptions {
  /** τ_base in [0, 1], the momentum at step 0 (BYOL: 0.996; MoCo v3: 0.99). */
  baseTau: number;
  /** K, the step at which τ reaches 1 (integer > 0). */
  totalSteps: number;
}

/** Validates the shared fields; returns the warm-up lr at `step`, or undefined after warm-up. */
function warmupLr(fn: string, step: number, options: WarmupOptions): number | undefined {
  checkNonNegative(fn, 'step', step);
  checkNonNegative(fn, 'options.baseLr', options.baseLr);
  const warmupSteps = options.warmupSteps ?? 0;
  const start = options.warmupStartLr ?? 0;
  checkCount(fn, 'options.warmupSteps', warmupSteps);
  checkNonNegative(fn, 'options.warmupStartLr', start);
  if (step >= warmupSteps) return undefined;
  return start + ((options.baseLr - start) * step) / warmupSteps;
}

/**
 * Linear warm-up, then cosine decay to `finalLr` (Loshchilov & Hutter 2017, "SGDR", eq. 5 without
 * restarts; Goyal et al. 2017 for the warm-up): for w = warmupSteps, T = totalSteps,
 * lr = finalLr + (baseLr − finalLr)·(1 + cos(π·(step − w)/(T − w)))/2, held at `finalLr` after T.
 * Step 0 gives `warmupStartLr`, step w gives `baseLr`, step T gives `finalLr`.
 *
 * @example
 * lrAt(step, { baseLr: 0.3 * batchSize / 256, warmupSteps: 10 * stepsPerEpoch, totalSteps });
 * @throws naming the argument when a value is negative, not an integer where one is needed, or
 *   warmupSteps > totalSteps.
 */
export function lrAt(step: number, options: CosineScheduleOptions): number {
  const warm = warmupLr('lrAt', step, options);
  const { baseLr, totalSteps } = options;
  const finalLr = options.finalLr ?? 0;
  const warmupSteps = options.warmupSteps ?? 0;
  checkCount('lrAt', 'options.totalSteps', totalSteps);
  checkPositive('lrAt', 'options.totalSteps', totalSteps);
  checkNonNegative('lrAt', 'options.finalLr', finalLr);
  if (warmupSteps > totalSteps) {
    throw new Error(
      `lrAt: options.warmupSteps must be <= options.totalSteps (${totalSteps}), got ${warmupSteps}`,
    );
  }
  if (warm !== undefined) return warm;
  if (step >= totalSteps) return finalLr;
  const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
  return finalLr + ((baseLr - finalLr) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/**
 * A constant rate after an optional linear warm-up.
 *
 * @example
 * constantLr(step, { baseLr: 1e-3 });
 * @throws naming the argument when a value is negative.
 */
export function constantLr(step: number, options: WarmupOptions): number {
  return warmupLr('constantLr', step, options) ?? options.baseLr;
}

/**
 * Step decay (PyTorch `MultiStepLR`): lr = baseLr·γ^(milestones passed), after an optional warm-up.
 * ArcFace (Deng et al. 2019) divides by 10 at fixed iterations.
 *
 * @example
 * stepDecayLr(step, { baseLr: 0.1, milestones: [20000, 28000], gamma: 0.1 });
 * @throws naming the argument when a value is negative or a milestone is not an integer.
 */
export function stepDecayLr(step: number, options: StepDecayOptions): number {
  const warm = warmupLr('stepDecayLr', step, options);
  const gamma = options.gamma ?? 0.1;
  checkNonNegative('stepDecayLr', 'options.gamma', gamma);
  options.milestones.forEach((m, i) => checkCount('stepDecayLr', `options.milestones[${i}]`, m));
  if (warm !== undefined) return warm;
  const passed = options.milestones.filter((m) => step >= m).length;
  return options.baseLr * gamma ** passed;
}

/** Learning-rate schedules by name; the keys are `LrScheduleName`. */
export const LR_SCHEDULES = Object.freeze({
  cosine: lrAt,
  constant: constantLr,
  step: stepDecayLr,
});
export type LrScheduleName = keyof typeof LR_SCHEDULES;

/**
 * The target network's momentum (BYOL, Grill et al. 2020, "Bootstrap Your Own Latent"; also MoCo v3):
 * τ_k = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, so τ_0 = τ_base and τ_K = 1; held at 1 after K.
 *
 * @example
 * updateMomentum(online, target, cosineMomentum(step, { baseTau: 0.996, totalSteps }));
 * @throws naming the argument when step < 0, baseTau is outside [0, 1] or totalSteps is not a
 *   positive integer.
 */
export function cosineMomentum(step: number, options: MomentumScheduleOptions): number {
  const { baseTau, totalSteps } = options;
  checkNonNegative('cosineMomentum', 'step', step);
  if (typeof baseTau !== 'number' || !(baseTau >= 0 && baseTau <= 1)) {
    throw new Error(`cosineMomentum: options.baseTau must be in [0, 1], got ${baseTau}`);
  }
  checkCount('cosineMomentum', 'options.totalSteps', totalSteps);
  checkPositive('cosineMomentum', 'options.totalSteps', totalSteps);
  const k = Math.min(step, totalSteps);
  return 1 - ((1 - baseTau) * (Math.cos((Math.PI * k) / totalSteps) + 1)) / 2;
}
