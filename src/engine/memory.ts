/**
 * Out-of-memory on the wasm backend: fail fast, with the batch and the limit in the message.
 *
 * The wasm heap stops at 4 GiB (Emscripten's `getHeapMax()`, 4 GiB - 64 KiB). Past it the stock
 * backend misbehaves: `malloc` returns 0 and tfjs registers the tensor at address 0, so the next
 * write corrupts the module and a later op dies with "memory access out of bounds"; a size of
 * 4 GiB or more wraps around to a small allocation. {@link installHeapGuard} (called by
 * `initBackend`) wraps the module's `_malloc` so that both throw a {@link WasmMemoryError} instead,
 * before anything is written, which leaves the module usable. {@link withMemoryGuard} turns that
 * error, and the wasm faults and host `RangeError`s that an exhausted heap causes elsewhere, into
 * one message naming the batch. `memory_estimate.ts` rejects a batch that cannot fit before the
 * first step runs.
 */
import { tf } from './tf';

/** Emscripten's maximum heap for these builds (4 GiB - 64 KiB). */
export const WASM_HEAP_LIMIT_BYTES = 4294901760;

/** Which training batch an allocation belongs to, for the error message. */
export interface MemoryContext {
  batch: number;
  /** The work being done, e.g. `'pretrain step'`. */
  what: string;
}

/** The parts of the wasm backend the guard touches. */
export interface WasmHeapOwner {
  wasm: {
    HEAPU8: Uint8Array;
    asm?: { malloc?(bytes: number): number; free?(ptr: number): void };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
}

/** Bytes the JS side holds in the heap (every tensor and kernel intermediate, not XNNPACK's own). */
export interface HeapTracker {
  readonly liveBytes: number;
  readonly peakBytes: number;
  /** The heap's current size (it only grows). */
  heapBytes(): number;
  /** Starts a new peak measurement from the current live bytes. */
  resetPeak(): void;
}

export class WasmMemoryError extends Error {
  constructor(
    message: string,
    /** False after a wasm fault: the module may be corrupt, restart the process. */
    readonly moduleUsable: boolean,
    readonly context?: MemoryContext,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WasmMemoryError';
  }
}

const trackers = new WeakMap<object, HeapTracker>();

/** `bytes` as MiB or GiB. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(2)} GiB`
    : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** What to do about a batch that does not fit. */
export function memoryAdvice(context: MemoryContext): string {
  const half = Math.max(1, Math.floor(context.batch / 2));
  return (
    `The wasm backend's heap is limited to 4 GiB. Lower the batch size (e.g. ${half}), use ` +
    'GradCache (contrastive loss on the full batch, backward in chunks), or use --backend ' +
    'tensorflow (@tensorflow/tfjs-node-gpu), which has no 4 GiB limit.'
  );
}

/**
 * Wraps the wasm module's `_malloc`/`_free` (once per module) to reject allocations that cannot
 * succeed and to count live and peak bytes.
 *
 * @throws WasmMemoryError from `_malloc` when `bytes` is 4 GiB or more, or malloc returns 0.
 */
export function installHeapGuard(backend: WasmHeapOwner): HeapTracker {
  const module = backend.wasm;
  const known = trackers.get(module);
  if (known) return known;
  // The glue's `_malloc` replaces itself on first call, so wrap the export it forwards to.
  const malloc = module.asm?.malloc ?? module._malloc.bind(module);
  const free = module.asm?.free ?? module._free.bind(module);
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const fail = (bytes: number): never => {
    throw new WasmMemoryError(
      `wasm heap: cannot allocate ${formatBytes(bytes)} with ${formatBytes(live)} in use ` +
        `(heap ${formatBytes(module.HEAPU8.length)}, limit 4 GiB)`,
      true,
    );
  };
  module._malloc = (bytes: number): number => {
    if (!(bytes < WASM_HEAP_LIMIT_BYTES)) fail(bytes);
    const ptr = malloc(bytes) >>> 0;
    if (ptr === 0 && bytes > 0) fail(bytes);
    sizes.set(ptr, bytes);
    live += bytes;
    peak = Math.max(peak, live);
    return ptr;
  };
  module._free = (ptr: number): void => {
    const bytes = sizes.get(ptr >>> 0);
    if (bytes !== undefined) {
      sizes.delete(ptr >>> 0);
      live -= bytes;
    }
    free(ptr);
  };
  const tracker: HeapTracker = {
    get liveBytes() {
      return live;
    },
    get peakBytes() {
      return peak;
    },
    heapBytes: () => module.HEAPU8.length,
    resetPeak: () => void (peak = live),
  };
  trackers.set(module, tracker);
  return tracker;
}

/** The tracker of the current backend, if it is a guarded wasm backend. */
export function heapTracker(): HeapTracker | undefined {
  const backend = tf.backend() as unknown as Partial<WasmHeapOwner>;
  return backend.wasm ? trackers.get(backend.wasm) : undefined;
}

const WASM_FAULT = /memory access out of bounds|Aborted\(|out of memory|Cannot enlarge memory/i;
const HOST_OOM =
  /Array buffer allocation failed|Invalid typed array length|Invalid array buffer length/i;

/**
 * The {@link WasmMemoryError} for `error` in `context`, or undefined when it is not about memory.
 * A wasm fault ("memory access out of bounds", "Aborted(...)") leaves the module unusable.
 */
export function toWasmMemoryError(
  error: unknown,
  context: MemoryContext,
): WasmMemoryError | undefined {
  const e = error as { name?: string; message?: string };
  const message = String(e?.message ?? error);
  const prefix = `${context.what}: batch ${context.batch} does not fit in memory`;
  const heap = heapTracker()?.heapBytes();
  const heapNote = heap === undefined ? '' : ` (wasm heap at ${formatBytes(heap)})`;
  if (error instanceof WasmMemoryError) {
    return new WasmMemoryError(
      `${prefix}: ${message}. ${memoryAdvice(context)}`,
      error.moduleUsable,
      context,
      {
        cause: error,
      },
    );
  }
  if ((e?.name === 'RuntimeError' || /^Aborted\(/.test(message)) && WASM_FAULT.test(message)) {
    return new WasmMemoryError(
      `${prefix}: the wasm module faulted ("${message.split('\n')[0]}")${heapNote}, which is how ` +
        `an exhausted heap shows. ${memoryAdvice(context)} The wasm module may be unusable now: restart ` +
        'the process before training again.',
      false,
      context,
      { cause: error },
    );
  }
  if (e?.name === 'RangeError' && HOST_OOM.test(message)) {
    return new WasmMemoryError(
      `${prefix}: the host could not allocate a buffer ("${message}")${heapNote}. ${memoryAdvice(context)}`,
      true,
      context,
      { cause: error },
    );
  }
  return undefined;
}

/**
 * Runs `fn` (sync or async) and rethrows out-of-memory failures as a {@link WasmMemoryError}
 * naming `context.batch`; other errors pass through unchanged.
 *
 * @example
 * const loss = await withMemoryGuard(() => framework.step(batch), { batch: 512, what: 'pretrain step' });
 */
export function withMemoryGuard<T>(fn: () => T, context: MemoryContext): T {
  const rethrow = (error: unknown): never => {
    throw toWasmMemoryError(error, context) ?? error;
  };
  let result: T;
  try {
    result = fn();
  } catch (error) {
    return rethrow(error);
  }
  return (result instanceof Promise ? result.catch(rethrow) : result) as T;
}
