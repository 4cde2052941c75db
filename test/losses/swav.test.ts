import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { sinkhornKnopp, swav } from '../../src/losses/swav';
import { relativeL2 } from '../helpers/compare';
import { Matrix, numericGradient, randomMatrix, relative, sinkhornRef, swavRef } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const sums = (m: Float32Array, rows: number, cols: number, axis: 0 | 1) =>
  Array.from({ length: axis === 1 ? rows : cols }, (_, a) => {
    let s = 0;
    for (let b = 0; b < (axis === 1 ? cols : rows); b++)
      s += axis === 1 ? m[a * cols + b] : m[b * cols + a];
    return s;
  });

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('SwAV on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  const [b, k] = [8, 4];
  const crops = [0, 1, 2, 3, 4].map((c) => randomMatrix(b, k, 60 + c)); // 2 global + 3 local
  const options = { temperature: 0.1, epsilon: 0.05, iterations: 3, globalCrops: 2 };

  it('Sinkhorn-Knopp matches the reference (3 iterations, ε = 0.05)', () => {
    const got = tf.tidy(() => sinkhornKnopp(t2(crops[0])).dataSync());
    expect(relativeL2(got, sinkhornRef(crops[0], 0.05, 3).flat())).toBeLessThan(1e-5);
  });

  it('Sinkhorn-Knopp marginals: each sample sums to 1, each prototype to ≈ B/K', () => {
    const scores = randomMatrix(12, 3, 70);
    const deviation = (iterations: number) => {
      const q = tf.tidy(
        () => sinkhornKnopp(t2(scores), { iterations, epsilon: 0.5 }).dataSync() as Float32Array,
      );
      for (const s of sums(q, 12, 3, 1)) expect(s).toBeCloseTo(1, 5);
      return Math.max(...sums(q, 12, 3, 0).map((s) => Math.abs(s - 4)));
    };
    const [few, many] = [deviation(3), deviation(50)];
    expect(many).toBeLessThan(1e-3 * 4);
    expect(many).toBeLessThanOrEqual(few);
  });

  it('Sinkhorn-Knopp is stable for large scores/ε (no overflow)', () => {
    const q = tf.tidy(() =>
      sinkhornKnopp(
        t2([
          [40, 0],
          [0, 40],
        ]),
        { epsilon: 0.05 },
      ).dataSync(),
    );
    expect(Array.from(q).every(Number.isFinite)).toBe(true);
    expect(q[0]).toBeCloseTo(1, 5);
  });

  it('loss matches the reference over 2 global + 3 local crops', () => {
    const got = tf.tidy(() => swav(crops.map(t2)).dataSync()[0]);
    expect(relative(got, swavRef(crops, options))).toBeLessThan(1e-5);
  });

  it('with queued features joining the Sinkhorn batch matches the reference', () => {
    const queues = [randomMatrix(6, k, 80), randomMatrix(6, k, 81)];
    const got = tf.tidy(() => swav(crops.map(t2), { queueScores: queues.map(t2) }).dataSync()[0]);
    expect(relative(got, swavRef(crops, { ...options, queues }))).toBeLessThan(1e-5);
    const empty = tf.tidy(
      () => swav(crops.map(t2), { queueScores: [tf.zeros([0, k]) as tf.Tensor2D] }).dataSync()[0],
    );
    expect(relative(empty, swavRef(crops, options))).toBeLessThan(1e-5);
  });

  it('gradients match central differences with codes held constant', () => {
    const small = [0, 1, 2].map((c) => randomMatrix(3, 3, 90 + c));
    const o = { ...options, globalCrops: 2 };
    const grads = tf.tidy(() =>
      tf
        .grads((...xs: tf.Tensor[]) => swav(xs as tf.Tensor2D[], o))(small.map(t2))
        .map((g) => g.dataSync()),
    );
    for (let v = 0; v < 3; v++) {
      const reference = (inputs: Matrix[]) => swavRef(inputs, o, small);
      expect(relativeL2(grads[v], numericGradient(reference, small, v))).toBeLessThan(1e-4);
    }
  });

  it('leaks no tensors', () => {
    const xs = crops.map(t2);
    const before = tf.memory().numTensors;
    swav(xs).dispose();
    sinkhornKnopp(xs[0]).dispose();
    tf.dispose(tf.grads((...ys: tf.Tensor[]) => swav(ys as tf.Tensor2D[]))(xs));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  });
});

describe('SwAV argument errors', () => {
  it('names the function and argument', () => {
    tf.tidy(() => {
      const a = tf.ones([4, 3]) as tf.Tensor2D;
      expect(() => swav([a])).toThrow(
        /^swav: cropScores must be an array of at least 2 crops, got 1/,
      );
      expect(() => swav([a, tf.ones([4, 2]) as tf.Tensor2D])).toThrow(
        /^swav: cropScores\[1\] and cropScores\[0\] must have the same shape/,
      );
      expect(() => swav([a, a], { temperature: 0 })).toThrow(
        /^swav: options\.temperature must be a finite number > 0, got 0/,
      );
      expect(() => swav([a, a], { globalCrops: 3 })).toThrow(
        /^swav: options\.globalCrops must be an integer in \[1, 2\], got 3/,
      );
      expect(() => swav([a, a], { iterations: 0 })).toThrow(
        /^swav: options\.iterations must be an integer >= 1, got 0/,
      );
      expect(() => swav([a, a], { queueScores: [tf.ones([5, 2]) as tf.Tensor2D] })).toThrow(
        /^swav: options\.queueScores\[0\] must have 3 prototype columns/,
      );
      expect(() => sinkhornKnopp(a, { epsilon: 0 })).toThrow(
        /^sinkhornKnopp: options\.epsilon must be a finite number > 0, got 0/,
      );
      expect(() => sinkhornKnopp(a, { iterations: 1.5 })).toThrow(
        /^sinkhornKnopp: options\.iterations must be an integer >= 1, got 1\.5/,
      );
    });
  });
});
