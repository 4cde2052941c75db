/**
 * Momentum (exponential moving average) targets: the key encoder of MoCo (He et al., CVPR 2020,
 * eq. 2) and the target network of BYOL (Grill et al., NeurIPS 2020, §3.1),
 *
 *   ξ ← τ·ξ + (1 − τ)·θ,
 *
 * with τ from a schedule: BYOL's cosine τ_k = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, rising from
 * τ_base to 1 (`cosineMomentum`, re-exported from `src/train/optim/schedule.ts`), or constant.
 * The update is a free function over variable pairs (solo-learn's `MomentumUpdater`): a framework
 * lists its pairs in `momentumPairs()` and calls it from `onStepEnd`.
 */
import { tf } from '../engine/tf';
import { cosineMomentum } from '../train/optim/schedule';
import type { MomentumPair } from './base';

export { cosineMomentum };
export type { MomentumScheduleOptions } from '../train/optim/schedule';

const FN = 'updateMomentum';

/**
 * target ← τ·target + (1 − τ)·online for every pair, in place (one `tf.tidy`, no leaks, no tape).
 *
 * @param online the online variables, or `[online, target]` pairs (then `target` is τ).
 * @param target the target variables, same order and shapes as `online`.
 * @param tau τ in [0, 1]; 1 leaves the targets unchanged, 0 copies the online values.
 * @throws Error naming `updateMomentum` and the argument when τ is outside [0, 1], the lists have
 *   different lengths, a pair's shapes differ, or a variable is its own target.
 * @example
 * updateMomentum(fw.momentumPairs(), momentumAt(step, totalSteps, { base: 0.99, schedule: 'cosine' }));
 * updateMomentum([w], [wTarget], 0.996);
 */
export function updateMomentum(pairs: readonly MomentumPair[], tau: number): void;
export function updateMomentum(
  online: readonly tf.Variable[],
  target: readonly tf.Variable[],
  tau: number,
): void;
export function updateMomentum(
  first: readonly MomentumPair[] | readonly tf.Variable[],
  second: readonly tf.Variable[] | number,
  third?: number,
): void {
  let pairs: readonly MomentumPair[];
  let tau: number;
  if (typeof second === 'number') {
    pairs = first as readonly MomentumPair[];
    tau = second;
  } else {
    const online = first as readonly tf.Variable[];
    if (online.length !== second.length) {
      throw new Error(
        `${FN}: online and target must have the same length, got ${online.length} and ${second.length}`,
      );
    }
    pairs = online.map((v, i) => [v, second[i]] as const);
    tau = third as number;
  }
  if (typeof tau !== 'number' || !(tau >= 0 && tau <= 1)) {
    throw new Error(`${FN}: tau must be a number in [0, 1], got ${String(tau)}`);
  }
  pairs.forEach(([online, target], i) => {
    if (!(online instanceof tf.Variable) || !(target instanceof tf.Variable)) {
      throw new Error(`${FN}: pair ${i} must hold two tf.Variable`);
    }
    if (online === target) throw new Error(`${FN}: pair ${i} ('${online.name}') is its own target`);
    if (!tf.util.arraysEqual(online.shape, target.shape)) {
      throw new Error(
        `${FN}: pair ${i} shapes differ: online '${online.name}' [${online.shape}], target '${target.name}' [${target.shape}]`,
      );
    }
  });
  if (tau === 1) return;
  tf.tidy(() => {
    for (const [online, target] of pairs) {
      target.assign(tf.add(tf.mul(target, tau), tf.mul(online, 1 - tau)));
    }
  });
}

/** How a framework's τ evolves (the `momentum` option of MoCo and BYOL). */
export interface MomentumSchedule {
  /** τ_base in [0, 1]. */
  base: number;
  /** `cosine`: τ_base at step 0 rising to 1 at `totalSteps`; `constant`: τ_base. */
  schedule: 'cosine' | 'constant';
}

/**
 * τ after optimisation step `step` of a run of `totalSteps`.
 * @throws as `cosineMomentum` for a negative step or a non-positive `totalSteps`.
 * @example
 * momentumAt(0, 1000, { base: 0.99, schedule: 'cosine' }); // 0.99
 */
export function momentumAt(step: number, totalSteps: number, momentum: MomentumSchedule): number {
  if (momentum.schedule === 'constant') return momentum.base;
  return cosineMomentum(step, { baseTau: momentum.base, totalSteps: Math.max(1, totalSteps) });
}
