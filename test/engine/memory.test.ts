import { initBackend } from '../../src/engine/backend';
import {
  heapTracker,
  toWasmMemoryError,
  WasmMemoryError,
  withMemoryGuard,
  WASM_HEAP_LIMIT_BYTES,
} from '../../src/engine/memory';
import {
  assertBatchFits,
  estimateStepBytes,
  maxBatchThatFits,
  profileStepMemory,
} from '../../src/engine/memory_estimate';
import { tf } from '../../src/engine/tf';

const MiB = 2 ** 20;
const context = { batch: 4096, what: 'pretrain step' };

interface Backend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
});

describe('withMemoryGuard on the wasm heap', () => {
  it('turns a tensor larger than the heap into a clear WasmMemoryError', () => {
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      withMemoryGuard(() => tf.zeros([1024, 1024, 1025]), context); // 4 GiB + 4 MiB
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WasmMemoryError);
    const message = (error as Error).message;
    expect(message).toMatch(/^pretrain step: batch 4096 does not fit in memory/);
    expect(message).toMatch(/cannot allocate 4\.00 GiB/);
    expect(message).toMatch(/limited to 4 GiB/);
    expect(message).toMatch(/batch size \(e\.g\. 2048\)/);
    expect(message).toMatch(/GradCache/);
    expect(message).toMatch(/tfjs-node-gpu/);
    expect((error as WasmMemoryError).moduleUsable).toBe(true);
    expect((error as WasmMemoryError).context).toEqual(context);
    // Nothing was written at address 0: the module still works and nothing leaked.
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]).toBe(5);
  });

  it('fails fast when the heap is nearly full, then recovers', () => {
    const backend = tf.backend() as unknown as Backend;
    // 3.5 GiB that is never written, so the OS commits no pages.
    const hog = backend.makeOutput([7 * 128 * MiB], 'float32');
    try {
      expect(heapTracker()!.heapBytes()).toBeGreaterThan(3.5 * 2 ** 30);
      expect(() => withMemoryGuard(() => tf.zeros([256, MiB]), context)).toThrow(
        /batch 4096 does not fit in memory: wasm heap: cannot allocate 1\.00 GiB with 3\.50 GiB in use/,
      );
    } finally {
      backend.disposeData(hog.dataId);
    }
    const y = withMemoryGuard(() => tf.ones([64, MiB / 4]), context); // 64 MiB fits again
    expect(y.shape).toEqual([64, MiB / 4]);
    y.dispose();
  });

  it('reports async failures too, and passes other errors through', async () => {
    await expect(
      withMemoryGuard(async () => tf.zeros([1024, 1024, 1025]), context),
    ).rejects.toThrow(WasmMemoryError);
    const other = new Error('shapes do not match');
    expect(() =>
      withMemoryGuard(() => {
        throw other;
      }, context),
    ).toThrow(other);
    expect(withMemoryGuard(() => 7, context)).toBe(7);
  });

  it('classifies wasm faults (module unusable) and host RangeErrors', () => {
    const fault = toWasmMemoryError(
      new WebAssembly.RuntimeError('memory access out of bounds'),
      context,
    );
    expect(fault).toBeInstanceOf(WasmMemoryError);
    expect(fault!.moduleUsable).toBe(false);
    expect(fault!.message).toMatch(
      /batch 4096 .*memory access out of bounds.*restart the process/s,
    );
    const abort = toWasmMemoryError(
      new WebAssembly.RuntimeError('Aborted(OOM). Build with -sASSERTIONS'),
      context,
    );
    expect(abort!.moduleUsable).toBe(false);
    const host = toWasmMemoryError(new RangeError('Array buffer allocation failed'), context);
    expect(host!.moduleUsable).toBe(true);
    expect(host!.message).toMatch(/host could not allocate/);
    expect(toWasmMemoryError(new RangeError('Invalid array length'), context)).toBeUndefined();
    expect(toWasmMemoryError(new TypeError('x is undefined'), context)).toBeUndefined();
  });
});

describe('batch size estimation', () => {
  // A stand-in training step: 1 MiB of input and 1 MiB of activations per sample, plus 8 MiB.
  const step = (batch: number): void => {
    tf.tidy(() => {
      const weights = tf.ones([2 * MiB]);
      const x = tf.ones([batch, MiB / 4]);
      tf.sum(tf.square(x)).add(tf.sum(weights)).dataSync();
    });
  };

  it('measures bytes per sample and rejects a batch that cannot fit before it runs', async () => {
    const profile = await profileStepMemory(step, [2, 6]);
    expect(profile.perSampleBytes).toBeGreaterThanOrEqual(2 * MiB);
    expect(profile.perSampleBytes).toBeLessThan(2.1 * MiB);
    expect(profile.fixedBytes).toBeGreaterThanOrEqual(8 * MiB);
    expect(profile.fixedBytes).toBeLessThan(9 * MiB);
    expect(estimateStepBytes(profile, 100)).toBeCloseTo(
      profile.fixedBytes + 100 * profile.perSampleBytes,
    );

    const fits = maxBatchThatFits(profile);
    expect(fits).toBeGreaterThan(1500);
    expect(fits).toBeLessThan((0.8 * WASM_HEAP_LIMIT_BYTES) / (2 * MiB));
    expect(() => assertBatchFits(profile, { batch: 64, what: 'pretrain' })).not.toThrow();
    expect(() => assertBatchFits(profile, { batch: 8192, what: 'pretrain' })).toThrow(
      WasmMemoryError,
    );
    expect(() => assertBatchFits(profile, { batch: 8192, what: 'pretrain' })).toThrow(
      new RegExp(
        `pretrain: batch 8192 does not fit in memory: it needs about 16\\.\\d+ GiB .*largest batch that fits is about ${fits}`,
      ),
    );
  });

  it('rejects bad measurement batches', async () => {
    await expect(profileStepMemory(step, [4, 4])).rejects.toThrow(
      /batches must be integers 1 <= a < b, got \[4,4\]/,
    );
  });
});
