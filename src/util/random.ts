/**
 * Seeded randomness. Every random choice in faceclr (shuffling, augmentation parameters, weight
 * initialisation, synthetic faces) draws from an `Rng` built from the recipe's seed, so the same
 * recipe and seed give the same numbers. The state can be saved and restored (checkpoints).
 */
import seedrandom from 'seedrandom';

export type RngState = object;

// Bound once: under jest every global lookup (`Math`) is ~20x slower, and weight initialisation
// draws millions of normals.
const { floor, sqrt, log, cos, PI } = Math;

export class Rng {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  /** @param seed any integer or string; `state` restores a saved generator exactly. */
  constructor(seed: number | string, state?: RngState) {
    this.prng = seedrandom.alea(
      String(seed),
      state ? { state: state as seedrandom.State.Alea } : { state: true },
    );
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng.quick();
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.prng.quick();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return floor(this.prng.quick() * n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.prng.quick() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.prng.quick();
    const v = this.prng.quick();
    return mean + std * sqrt(-2 * log(u)) * cos(2 * PI * v);
  }

  /** A 32-bit integer seed for a child generator or a tfjs op's `seed` argument. */
  seed(): number {
    return this.prng.int32() >>> 0;
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** A new generator derived from this one (does not share state). */
  fork(label: string): Rng {
    return new Rng(`${this.seed()}:${label}`);
  }

  /** The generator's state, JSON-serialisable, for checkpoints. */
  state(): RngState {
    return this.prng.state();
  }
}
