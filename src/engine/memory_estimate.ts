/**
 * Will a training batch fit in the 4 GiB wasm heap? Measure a step at two tiny batches, fit
 * `peak(batch) = fixedBytes + batch * perSampleBytes`, and refuse a batch before it starts.
 *
 * The peak comes from the heap guard's count of live `malloc`ed bytes (every tensor and every
 * kernel intermediate). `tf.memory().numBytes` would miss the intermediates that kernels allocate
 * on the backend directly, and the heap size (`HEAPU8.length`) is a high-water mark that only
 * moves when a step needs more than any earlier one. Neither counts XNNPACK's own buffers (conv
 * indirection, packed weights) or allocator fragmentation, hence the `headroom`.
 */
import {
  formatBytes,
  heapTracker,
  memoryAdvice,
  MemoryContext,
  WASM_HEAP_LIMIT_BYTES,
  WasmMemoryError,
} from './memory';

export interface StepMemoryProfile {
  /** The two batch sizes measured. */
  batches: [number, number];
  /** Peak live heap bytes during the step at each batch size. */
  peakBytes: [number, number];
  /** Activation, gradient and intermediate bytes per sample. */
  perSampleBytes: number;
  /** Bytes that do not scale with the batch (weights, optimizer state, everything live before). */
  fixedBytes: number;
  /** The wasm heap's size after measuring. */
  heapBytes: number;
}

export interface FitOptions {
  /** Default {@link WASM_HEAP_LIMIT_BYTES}. */
  limitBytes?: number;
  /** Fraction of the limit a step may plan to use (default 0.8). */
  headroom?: number;
}

/**
 * Runs `step` once at each of `batches` (default `[2, 4]`) and fits peak heap bytes per sample.
 * `step` must build and dispose its own batch (e.g. a full training step on random inputs).
 *
 * @throws Error when the current backend is not a guarded wasm backend (`initBackend('wasm')`).
 */
export async function profileStepMemory(
  step: (batch: number) => unknown,
  batches: [number, number] = [2, 4],
): Promise<StepMemoryProfile> {
  const tracker = heapTracker();
  if (!tracker) throw new Error("profileStepMemory: needs the wasm backend (initBackend('wasm'))");
  const [small, large] = batches;
  if (!(Number.isInteger(small) && small >= 1 && Number.isInteger(large) && large > small)) {
    throw new Error(`profileStepMemory: batches must be integers 1 <= a < b, got [${batches}]`);
  }
  const peaks: number[] = [];
  for (const batch of batches) {
    tracker.resetPeak();
    await step(batch);
    peaks.push(tracker.peakBytes);
  }
  const perSampleBytes = Math.max(0, (peaks[1] - peaks[0]) / (large - small));
  const fixedBytes = Math.max(0, peaks[0] - small * perSampleBytes);
  return {
    batches: [small, large],
    peakBytes: [peaks[0], peaks[1]],
    perSampleBytes,
    fixedBytes,
    heapBytes: tracker.heapBytes(),
  };
}

/** Predicted peak heap bytes of a step at `batch`. */
export function estimateStepBytes(profile: StepMemoryProfile, batch: number): number {
  return profile.fixedBytes + batch * profile.perSampleBytes;
}

/** The largest batch whose predicted peak stays within `headroom * limitBytes` (0 if none). */
export function maxBatchThatFits(profile: StepMemoryProfile, options: FitOptions = {}): number {
  const budget = (options.limitBytes ?? WASM_HEAP_LIMIT_BYTES) * (options.headroom ?? 0.8);
  if (profile.perSampleBytes <= 0)
    return budget >= profile.fixedBytes ? Number.MAX_SAFE_INTEGER : 0;
  return Math.max(0, Math.floor((budget - profile.fixedBytes) / profile.perSampleBytes));
}

/**
 * Throws before training when `context.batch` is predicted not to fit.
 *
 * @throws WasmMemoryError naming the batch, the prediction, the limit and the largest batch that fits.
 * @example
 * const profile = await profileStepMemory((b) => trainStep(randomBatch(b)));
 * assertBatchFits(profile, { batch: 4096, what: 'pretrain' });
 */
export function assertBatchFits(
  profile: StepMemoryProfile,
  context: MemoryContext,
  options: FitOptions = {},
): void {
  const limit = options.limitBytes ?? WASM_HEAP_LIMIT_BYTES;
  const headroom = options.headroom ?? 0.8;
  const need = estimateStepBytes(profile, context.batch);
  if (need <= limit * headroom) return;
  const fits = maxBatchThatFits(profile, options);
  throw new WasmMemoryError(
    `${context.what}: batch ${context.batch} does not fit in memory: it needs about ` +
      `${formatBytes(need)} (${formatBytes(profile.perSampleBytes)} per sample + ` +
      `${formatBytes(profile.fixedBytes)} fixed, measured at batches ${profile.batches.join(' and ')}), ` +
      `more than ${formatBytes(limit * headroom)} (${Math.round(headroom * 100)}% of the ` +
      `${formatBytes(limit)} wasm heap; the rest is for XNNPACK buffers and fragmentation). ` +
      `The largest batch that fits is about ${fits}. ${memoryAdvice(context)}`,
    true,
    context,
  );
}
