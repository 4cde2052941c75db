import { execFileSync } from 'child_process';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { WasmMemoryError } from '../../src/engine/memory';
import { resolveWasmThreads, startWasm } from '../../src/engine/wasm_threads';
import { tf } from '../../src/engine/tf';

const ROOT = path.resolve(__dirname, '../..');

/** conv2d + matMul on fixed inputs, large enough that XNNPACK splits the work across threads. */
function compute(): Float32Array {
  const x = Float32Array.from({ length: 16 * 16 * 16 * 8 }, (_, i) => Math.sin(i * 0.37));
  const w = Float32Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i * 0.11));
  const a = Float32Array.from({ length: 192 * 160 }, (_, i) => ((i * 7) % 17) / 17 - 0.5);
  const b = Float32Array.from({ length: 160 * 96 }, (_, i) => ((i * 5) % 13) / 13 - 0.5);
  const out = tf.tidy(() => {
    const conv = tf.conv2d(
      tf.tensor4d(x, [16, 16, 16, 8]),
      tf.tensor4d(w, [3, 3, 8, 16]),
      1,
      'same',
    );
    const mm = tf.matMul(tf.tensor2d(a, [192, 160]), tf.tensor2d(b, [160, 96]));
    return tf.concat([conv.flatten(), mm.flatten()]);
  });
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

describe('resolveWasmThreads', () => {
  it('takes the option, then FACECLR_THREADS, then the cores (at most 8)', () => {
    expect(resolveWasmThreads(3, { FACECLR_THREADS: '2' })).toBe(3);
    expect(resolveWasmThreads(undefined, { FACECLR_THREADS: '2' })).toBe(2);
    const cores = resolveWasmThreads(undefined, {});
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(cores).toBeLessThanOrEqual(8);
  });

  it('rejects bad values, naming the source', () => {
    expect(() => resolveWasmThreads(undefined, { FACECLR_THREADS: 'two' })).toThrow(
      /FACECLR_THREADS must be an integer in 1\.\.8, got 'two'/,
    );
    expect(() => resolveWasmThreads(0, {})).toThrow(/threads must be an integer in 1\.\.8, got 0/);
    expect(() => resolveWasmThreads(9, {})).toThrow(/got 9/);
  });
});

describe('threaded wasm', () => {
  it('gives the same results with 2 threads as with 1', async () => {
    const one = await startWasm(1);
    expect(one).toEqual({ threads: 1, build: 'simd', fallbackReason: undefined });
    const reference = compute();
    const two = await startWasm(2);
    expect(two).toEqual({ threads: 2, build: 'threaded-simd' });
    const threaded = compute();
    expect(threaded.length).toBe(reference.length);
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs(threaded[i] - reference[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  it('reports the threads in BackendInfo and guards the heap', async () => {
    const info = await initBackend('wasm', { threads: 2 });
    expect(info).toMatchObject({ backend: 'wasm', threads: 2, warnings: [] });
    // 4 GiB + 4 MiB: would wrap around to a 4 MiB malloc without the guard.
    expect(() => tf.zeros([1024, 1024, 1025])).toThrow(WasmMemoryError);
    expect(tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]).toBe(3);
  });

  it('falls back to the single-thread build with the reason', async () => {
    const outcome = await startWasm(2, { timeoutMs: 1 });
    expect(outcome.build).toBe('simd');
    expect(outcome.threads).toBe(1);
    expect(outcome.fallbackReason).toMatch(/did not start within 1 ms/);
    expect(tf.getBackend()).toBe('wasm');
    expect(compute().length).toBe(16 * 16 * 16 * 16 + 192 * 96);
  });

  it('lets a node process exit by itself after using 2 threads', () => {
    const script =
      "const { initBackend } = require('./src/engine/backend');" +
      "const { tf } = require('./src/engine/tf');" +
      "initBackend('wasm', { threads: 2 }).then((info) => {" +
      '  const a = tf.ones([256, 256]);' +
      '  process.stdout.write(`${info.threads} ${tf.matMul(a, a).dataSync()[0]}`);' +
      '});';
    const started = Date.now();
    const out = execFileSync(process.execPath, ['-r', './scripts/register.js', '-e', script], {
      cwd: ROOT,
      timeout: 30000,
      encoding: 'utf8',
    });
    expect(out).toBe('2 256');
    expect(Date.now() - started).toBeLessThan(30000);
  });
});
