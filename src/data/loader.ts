/**
 * `DataLoader`: seeded epochs of batches from an `ImageCache`, with prefetch and resumable state.
 *
 * Each epoch's plan (which images form which batch) is drawn from the loader's `Rng`; the state
 * exported for a checkpoint is `{ epoch, position, rngState }`, where `rngState` is the generator
 * state at the start of the epoch, so a restored loader rebuilds the same plan and continues at
 * batch `position`. Prefetch: while the consumer works on batch k, batches k+1..k+prefetch are
 * assembled (copied from memory, or read from the cache file) in the background.
 */
import { Rng, type RngState } from '../util/random';
import { DataError } from './errors';
import { balancedPlan, sequentialPlan } from './sampler';

/** What the loader needs from a cache (`ImageCache` provides it). */
export interface BatchReader {
  readonly count: number;
  readonly size: number;
  readonly imageBytes: number;
  readonly labels?: Int32Array;
  readBatch(indices: ArrayLike<number>, out?: Uint8Array): Promise<Uint8Array>;
}

export interface LoaderOptions {
  /** Images per batch. */
  batchSize: number;
  /** Seed of the loader's `Rng`. */
  seed: number | string;
  /** Shuffle every epoch (default true; ignored by balanced sampling, which always shuffles). */
  shuffle?: boolean;
  /** Drop the last, smaller batch of an epoch (default false). */
  dropLast?: boolean;
  /** Batches assembled ahead of the consumer (default 2; 0 disables prefetch). */
  prefetch?: number;
  /** Class-balanced batches of `batchSize / imagesPerIdentity` identities (needs labels). */
  balanced?: { imagesPerIdentity: number };
}

/** One batch: `images` is B×S×S×3 uint8 (HWC), `indices` the cache indices. */
export interface Batch {
  images: Uint8Array;
  labels?: Int32Array;
  indices: Int32Array;
  /** Image side S. */
  size: number;
  epoch: number;
  /** Batch number within the epoch. */
  step: number;
}

/** JSON-serialisable loader state for checkpoints. */
export interface LoaderState {
  seed: number | string;
  epoch: number;
  position: number;
  rngState: RngState;
}

export class DataLoader {
  private rng: Rng;
  private epochStart: RngState;
  private plan: Int32Array[];
  private epochIndex = 0;
  private position = 0;
  private readonly prefetch: number;

  /**
   * @param state a `state()` from an earlier loader with the same options, to resume.
   * @throws DataError for a bad batch size, balanced sampling without labels, an epoch with no
   *   batch (e.g. `dropLast` with fewer images than `batchSize`), or a state with another seed.
   */
  constructor(
    private readonly reader: BatchReader,
    private readonly options: LoaderOptions,
    state?: LoaderState,
  ) {
    const fn = 'DataLoader';
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new DataError(
        `${fn}: options.batchSize must be a positive integer, got ${options.batchSize}`,
      );
    }
    this.prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) {
      throw new DataError(
        `${fn}: options.prefetch must be a non-negative integer, got ${options.prefetch}`,
      );
    }
    if (options.balanced && !reader.labels) {
      throw new DataError(
        `${fn}: options.balanced needs a labeled dataset, but the cache has no labels`,
      );
    }
    if (state && state.seed !== options.seed) {
      throw new DataError(
        `${fn}: state.seed ${state.seed} differs from options.seed ${options.seed}`,
      );
    }
    this.rng = new Rng(options.seed, state?.rngState);
    this.epochIndex = state?.epoch ?? 0;
    this.epochStart = this.rng.state();
    this.plan = this.makePlan();
    if (this.plan.length === 0) {
      throw new DataError(
        `${fn}: an epoch has no batch (${reader.count} images, batchSize ${options.batchSize}, dropLast ${options.dropLast ?? false})`,
      );
    }
    this.position = state?.position ?? 0;
    if (!Number.isInteger(this.position) || this.position < 0 || this.position > this.plan.length) {
      throw new DataError(
        `${fn}: state.position must be in [0, ${this.plan.length}], got ${state?.position}`,
      );
    }
  }

  private makePlan(): Int32Array[] {
    const { batchSize, balanced } = this.options;
    const dropLast = this.options.dropLast ?? false;
    if (balanced) {
      return balancedPlan(this.reader.labels!, batchSize, balanced.imagesPerIdentity, this.rng, {
        dropLast,
      });
    }
    return sequentialPlan(this.reader.count, batchSize, this.rng, {
      shuffle: this.options.shuffle ?? true,
      dropLast,
    });
  }

  /** Batches in the current epoch (may vary between epochs with balanced sampling). */
  get batchesPerEpoch(): number {
    return this.plan.length;
  }

  /** The current epoch (0-based). */
  get epoch(): number {
    return this.epochIndex;
  }

  /** State for a checkpoint: pass it to the constructor to resume after the last yielded batch. */
  state(): LoaderState {
    return {
      seed: this.options.seed,
      epoch: this.epochIndex,
      position: this.position,
      rngState: this.epochStart,
    };
  }

  private async assemble(step: number): Promise<Batch> {
    const indices = this.plan[step];
    const epoch = this.epochIndex;
    await new Promise<void>((resolve) => setImmediate(resolve)); // run when the consumer yields
    const images = await this.reader.readBatch(indices);
    const labels = this.reader.labels
      ? Int32Array.from(indices, (i) => this.reader.labels![i])
      : undefined;
    return { images, labels, indices, size: this.reader.size, epoch, step };
  }

  /** The remaining batches of the current epoch; afterwards the loader moves to the next epoch. */
  async *epochBatches(): AsyncGenerator<Batch> {
    const pending: Promise<Batch>[] = [];
    let ahead = this.position;
    const fill = (limit: number): void => {
      while (ahead < this.plan.length && pending.length < limit) {
        const promise = this.assemble(ahead++);
        promise.catch(() => undefined); // a batch abandoned by an early `break` must not go unhandled
        pending.push(promise);
      }
    };
    while (this.position < this.plan.length) {
      fill(this.prefetch + 1); // the batch due now, and the ones ahead
      const batch = await pending.shift()!;
      this.position++;
      fill(this.prefetch); // start the next ones before the consumer works on this one
      yield batch;
    }
    this.epochIndex++;
    this.position = 0;
    this.epochStart = this.rng.state();
    this.plan = this.makePlan();
  }

  /** Batches of `epochs` epochs from the current position. */
  async *batches(epochs = 1): AsyncGenerator<Batch> {
    const last = this.epochIndex + epochs;
    while (this.epochIndex < last) yield* this.epochBatches();
  }

  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.epochBatches();
  }
}
