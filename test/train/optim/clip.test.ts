import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { clipByGlobalNorm, clipByValue } from '../../../src/train/optim';

describe.each(['cpu', 'wasm'] as const)('gradient clipping on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  // ‖G‖ = √(3² + 4² + 12²) = 13
  const make = () => ({ a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) });

  it('clipByGlobalNorm scales all gradients by maxNorm / ‖G‖ when above the bound', () => {
    const grads = make();
    const before = tf.memory().numTensors;
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 6.5);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(norm).toBeCloseTo(13, 5);
    expect(Array.from(clipped.a.dataSync())).toEqual([
      expect.closeTo(1.5, 6),
      expect.closeTo(2, 6),
    ]);
    expect(clipped.b.shape).toEqual([1, 1]);
    expect(clipped.b.dataSync()[0]).toBeCloseTo(6, 5);
    expect(Array.from(grads.a.dataSync())).toEqual([3, 4]); // inputs untouched
    tf.dispose([...Object.values(grads), ...Object.values(clipped)]);
    expect(tf.memory().numTensors).toBe(before - 2);
  });

  it('clipByGlobalNorm leaves gradients within the bound unchanged', () => {
    const grads = make();
    for (const maxNorm of [13, 20]) {
      const { grads: clipped, norm } = clipByGlobalNorm(grads, maxNorm);
      expect(norm).toBeCloseTo(13, 5);
      expect(clipped.a.dataSync()[1]).toBeCloseTo(4, 6);
      expect(clipped.b.dataSync()[0]).toBeCloseTo(12, 5);
      tf.dispose(Object.values(clipped));
    }
    expect(clipByGlobalNorm({}, 1)).toEqual({ grads: {}, norm: 0 });
    tf.dispose(Object.values(grads));
  });

  it('clipByValue clips elementwise to [-maxValue, maxValue]', () => {
    const grads = { a: tf.tensor1d([-3, 0.5, 4]) };
    const clipped = clipByValue(grads, 1);
    expect(Array.from(clipped.a.dataSync())).toEqual([-1, 0.5, 1]);
    tf.dispose([grads.a, clipped.a]);
  });

  it('rejects non-positive bounds, naming the function and argument', () => {
    expect(() => clipByGlobalNorm({}, 0)).toThrow(
      /clipByGlobalNorm: maxNorm must be a finite number > 0, got 0/,
    );
    expect(() => clipByValue({}, -1)).toThrow(
      /clipByValue: maxValue must be a finite number > 0, got -1/,
    );
  });
});
