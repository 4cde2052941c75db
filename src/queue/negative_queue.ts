/**
 * A device-resident FIFO queue of embeddings: MoCo's negative queue (He et al., CVPR 2020,
 * section 3.2) and SwAV's feature queue (Caron et al. 2020, section 4.1).
 *
 * FIFO rules:
 * - Storage is one [size, dim] tensor and a write pointer. `enqueue(keys)` writes row j of the
 *   batch to slot (pointer + j) mod size and advances the pointer by the batch size mod size, so a
 *   batch that does not divide `size` wraps around and overwrites the oldest slots first.
 * - A batch larger than the queue keeps its last `size` rows: the result is exactly that of
 *   enqueuing the rows one at a time (the earlier rows would have been overwritten anyway).
 * - Empty slots are tracked, not filled: the queue starts empty (`count` 0) and `read()` returns
 *   only the filled rows, [count, dim]. Until the first wrap the filled slots are 0..count−1;
 *   once full, `read()` returns all `size` rows in storage order (not age order — losses do not
 *   care). We chose a validity count over MoCo's random initial fill so that no made-up negatives
 *   enter the loss and SwAV's queue can be used as soon as it holds anything; a loss must accept
 *   M = 0 negatives at the first step (`infoNce` does).
 * - Keys are stored detached (no gradient flows into the queue) and, unless `normalize: false`,
 *   L2-normalised on the way in.
 * - `state()` / `restore()` carry values, pointer and count for checkpoints; `dispose()` frees the
 *   storage and makes every later call throw.
 */
import { tf } from '../engine/tf';

export interface NegativeQueueOptions {
  /** L2-normalise rows on `enqueue` (default true). */
  normalize?: boolean;
}

/** A checkpointable snapshot; `values` is [size·dim] row-major. */
export interface NegativeQueueState {
  size: number;
  dim: number;
  pointer: number;
  count: number;
  values: Float32Array;
}

export class NegativeQueue {
  private storage: tf.Tensor2D | undefined;
  private writePointer = 0;
  private filled = 0;
  private readonly normalize: boolean;

  /**
   * @param size K, the number of slots (MoCo: 65536; SwAV: 3840).
   * @param dim D, the embedding width.
   * @throws Error naming `NegativeQueue` and the argument when size or dim is not an integer ≥ 1.
   * @example
   * const queue = new NegativeQueue(4096, 128);
   * const loss = tf.tidy(() => infoNce(q, k, { negatives: queue.read() }));
   * queue.enqueue(k); // after the step
   */
  constructor(
    readonly size: number,
    readonly dim: number,
    options: NegativeQueueOptions = {},
  ) {
    for (const [name, value] of [
      ['size', size],
      ['dim', dim],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`NegativeQueue: ${name} must be an integer >= 1, got ${value}`);
      }
    }
    this.normalize = options.normalize ?? true;
    this.storage = tf.keep(tf.zeros([size, dim]) as tf.Tensor2D);
  }

  /** Write pointer: the slot the next row goes to. */
  get pointer(): number {
    return this.writePointer;
  }

  /** Filled slots, 0..size. */
  get count(): number {
    return this.filled;
  }

  get isFull(): boolean {
    return this.filled === this.size;
  }

  /**
   * Appends a batch (FIFO; see the module comment for wrap-around and batches larger than `size`).
   *
   * @param keys [B, dim], B ≥ 1; not retained (the queue copies what it keeps).
   * @throws Error naming `NegativeQueue.enqueue` for a disposed queue or keys not [B, dim].
   */
  enqueue(keys: tf.Tensor2D): void {
    const storage = this.live('enqueue');
    if (
      !(keys instanceof tf.Tensor) ||
      keys.rank !== 2 ||
      keys.shape[1] !== this.dim ||
      keys.shape[0] < 1 ||
      keys.dtype !== 'float32'
    ) {
      const got = keys instanceof tf.Tensor ? `${keys.dtype} [${keys.shape}]` : typeof keys;
      throw new Error(
        `NegativeQueue.enqueue: keys must be float32 of shape [batch >= 1, ${this.dim}], got ${got}`,
      );
    }
    const batch = keys.shape[0];
    const kept = Math.min(batch, this.size); // rows that survive: the last `kept`
    const start = (this.writePointer + batch - kept) % this.size; // slot of the first kept row
    // Built as one zero-input custom op: nothing here is recorded on a gradient tape (detached).
    const build = (): tf.Tensor2D => {
      let rows = tf.slice(keys, [batch - kept, 0], [kept, this.dim]); // [kept, D]
      if (this.normalize) {
        rows = tf.div(rows, tf.sqrt(tf.maximum(tf.sum(tf.square(rows), 1, true), 1e-24)));
      }
      if (start + kept <= this.size) {
        const pieces = [tf.slice(storage, [0, 0], [start, this.dim]), rows];
        pieces.push(tf.slice(storage, [start + kept, 0], [this.size - start - kept, this.dim]));
        return tf.concat(
          pieces.filter((p) => p.shape[0] > 0),
          0,
        ) as tf.Tensor2D;
      }
      const head = this.size - start; // rows written to start..size−1; the rest wrap to 0..
      const wrapped = kept - head;
      return tf.concat(
        [
          tf.slice(rows, [head, 0], [wrapped, this.dim]),
          tf.slice(storage, [wrapped, 0], [start - wrapped, this.dim]),
          tf.slice(rows, [0, 0], [head, this.dim]),
        ].filter((p) => p.shape[0] > 0),
        0,
      ) as tf.Tensor2D;
    };
    const next = tf.customGrad(() => ({ value: build(), gradFunc: () => [] }))() as tf.Tensor2D;
    storage.dispose();
    this.storage = tf.keep(next);
    this.writePointer = (this.writePointer + batch) % this.size;
    this.filled = Math.min(this.filled + batch, this.size);
  }

  /**
   * The filled rows.
   *
   * @returns a new tensor [count, dim] that the caller owns (dispose it or read inside `tf.tidy`).
   * @throws Error naming `NegativeQueue.read` for a disposed queue.
   */
  read(): tf.Tensor2D {
    const storage = this.live('read');
    return this.isFull ? tf.clone(storage) : tf.slice(storage, [0, 0], [this.filled, this.dim]);
  }

  /** A snapshot for checkpoints (reads the storage synchronously). */
  state(): NegativeQueueState {
    const storage = this.live('state');
    const values = Float32Array.from(storage.dataSync() as Float32Array);
    return {
      size: this.size,
      dim: this.dim,
      pointer: this.writePointer,
      count: this.filled,
      values,
    };
  }

  /**
   * Replaces the contents with a snapshot from {@link state}.
   *
   * @throws Error naming `NegativeQueue.restore` and the field when the snapshot does not fit.
   */
  restore(state: NegativeQueueState): void {
    const storage = this.live('restore');
    const fail = (what: string) => {
      throw new Error(`NegativeQueue.restore: ${what}`);
    };
    if (state.size !== this.size || state.dim !== this.dim) {
      fail(
        `state.size x state.dim must be ${this.size} x ${this.dim}, got ${state.size} x ${state.dim}`,
      );
    }
    if (!Number.isInteger(state.count) || state.count < 0 || state.count > this.size) {
      fail(`state.count must be an integer in [0, ${this.size}], got ${state.count}`);
    }
    const expectedPointer =
      state.count < this.size
        ? `${state.count} (= state.count, not yet full)`
        : `in [0, ${this.size})`;
    const pointerOk =
      state.count < this.size
        ? state.pointer === state.count
        : Number.isInteger(state.pointer) && state.pointer >= 0 && state.pointer < this.size;
    if (!pointerOk) fail(`state.pointer must be ${expectedPointer}, got ${state.pointer}`);
    if (!state.values || state.values.length !== this.size * this.dim) {
      fail(`state.values must hold ${this.size * this.dim} numbers, got ${state.values?.length}`);
    }
    storage.dispose();
    this.storage = tf.keep(tf.tensor2d(Float32Array.from(state.values), [this.size, this.dim]));
    this.writePointer = state.pointer;
    this.filled = state.count;
  }

  /** Frees the storage; later calls throw. Safe to call twice. */
  dispose(): void {
    this.storage?.dispose();
    this.storage = undefined;
  }

  private live(method: string): tf.Tensor2D {
    if (!this.storage) throw new Error(`NegativeQueue.${method}: the queue has been disposed`);
    return this.storage;
  }
}
