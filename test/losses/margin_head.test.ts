import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { arcfaceLogits } from '../../src/losses/arcface';
import { crossEntropy, MarginHead } from '../../src/losses/margin_head';
import { normalizedSoftmaxLogits, softmaxLogits } from '../../src/losses/softmax_logits';
import { relativeL2 } from '../helpers/compare';
import { arcfaceRef, cosineRef, crossEntropyRef } from './margin_reference';
import { Matrix, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const x = randomMatrix(4, 3, 81);
const labels = [0, 1, 1, 2];

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)(
  'MarginHead, crossEntropy, softmax logits on %s',
  (backend) => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });

    it('cosine() matches the loop over normalised rows and columns', () => {
      const head = new MarginHead({ dim: 3, classes: 5, seed: 3 });
      const w = head.weights.arraySync();
      const got = tf.tidy(() => head.cosine(t2(x)).dataSync());
      expect(relativeL2(got, cosineRef(x, w).flat())).toBeLessThan(1e-5);
      got.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6));
      head.dispose();
    });

    it('initialisation is seeded, Glorot-scaled by default, N(0, 0.01²) with init normal', () => {
      const [a, b, c] = [1, 1, 2].map((seed) => new MarginHead({ dim: 64, classes: 64, seed }));
      expect(Array.from(a.weights.dataSync())).toEqual(Array.from(b.weights.dataSync()));
      expect(Array.from(a.weights.dataSync())).not.toEqual(Array.from(c.weights.dataSync()));
      const std = (v: ArrayLike<number>) =>
        Math.sqrt(Array.from(v).reduce((s, z) => s + z * z, 0) / v.length);
      expect(std(a.weights.dataSync())).toBeCloseTo(Math.sqrt(2 / 128), 2);
      const n = new MarginHead({ dim: 64, classes: 64, init: 'normal' });
      expect(std(n.weights.dataSync())).toBeCloseTo(0.01, 3);
      [a, b, c, n].forEach((h) => h.dispose());
    });

    it('crossEntropy equals −mean log softmax at the label', () => {
      const logits = randomMatrix(4, 5, 82).map((r) => r.map((v) => 5 * v));
      const got = tf.tidy(() => crossEntropy(t2(logits), labels).dataSync()[0]);
      expect(relative(got, crossEntropyRef(logits, labels))).toBeLessThan(1e-5);
      const uniform = tf.tidy(
        () => crossEntropy(tf.zeros([4, 5]) as tf.Tensor2D, labels).dataSync()[0],
      );
      expect(uniform).toBeCloseTo(Math.log(5), 5);
    });

    it('softmaxLogits is x·W + b; normalizedSoftmaxLogits is s·cos', () => {
      const w = randomMatrix(3, 2, 83);
      const got = tf.tidy(() => softmaxLogits(t2(x), t2(w), tf.tensor1d([1, -1])).arraySync());
      x.forEach((row, i) =>
        [0, 1].forEach((j) =>
          expect(got[i][j]).toBeCloseTo(
            row.reduce((s, v, k) => s + v * w[k][j], 0) + (j ? -1 : 1),
            5,
          ),
        ),
      );
      const n = tf.tidy(() => normalizedSoftmaxLogits(t2([[0.5, -0.25]])).arraySync());
      expect(n[0][0]).toBeCloseTo(32, 4);
      expect(n[0][1]).toBeCloseTo(-16, 4);
    });

    it('head + ArcFace + CE trains on this backend (finite gradients, loss goes down, no leaks)', () => {
      const head = new MarginHead({ dim: 3, classes: 3, seed: 5 });
      const e = t2(x);
      const optimizer = tf.train.sgd(0.5);
      const before = tf.memory().numTensors;
      const step = () =>
        optimizer.minimize(
          () =>
            crossEntropy(arcfaceLogits(head.cosine(e), labels, { scale: 8, margin: 0.2 }), labels),
          true,
          head.trainableVariables(),
        ) as tf.Scalar;
      const first = step();
      const firstValue = first.dataSync()[0];
      first.dispose();
      let last = firstValue;
      for (let i = 0; i < 20; i++) {
        const l = step();
        last = l.dataSync()[0];
        l.dispose();
      }
      expect(Number.isFinite(last)).toBe(true);
      expect(last).toBeLessThan(firstValue);
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
      head.dispose();
      e.dispose();
    });
  },
);

describe('MarginHead + ArcFace gradients on cpu vs central differences', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('w.r.t. embeddings and class weights', () => {
    const head = new MarginHead({ dim: 3, classes: 4, seed: 9 });
    const w = head.weights.arraySync();
    const y = [3, 0, 1, 1];
    const o = { scale: 4, margin: 0.5 };
    const ge = tf.tidy(() =>
      tf
        .grad((e: tf.Tensor) =>
          crossEntropy(arcfaceLogits(head.cosine(e as tf.Tensor2D), y, o), y),
        )(t2(x))
        .dataSync(),
    );
    const f = (m: Matrix[]) => crossEntropyRef(arcfaceRef(cosineRef(m[0], m[1]), y, o), y);
    expect(relativeL2(ge, numericGradient(f, [x, w], 0))).toBeLessThan(1e-3);
    const gradW = tf.tidy(() =>
      tf.variableGrads(
        () => crossEntropy(arcfaceLogits(head.cosine(t2(x)), y, o), y),
        [head.weights],
      ),
    );
    expect(
      relativeL2(gradW.grads[head.weights.name].dataSync(), numericGradient(f, [x, w], 1)),
    ).toBeLessThan(1e-3);
    tf.dispose([gradW.value, gradW.grads[head.weights.name]]);
    head.dispose();
  });
});

describe('errors', () => {
  it('MarginHead options and cosine() input', () => {
    expect(() => new MarginHead({ dim: 0, classes: 3 })).toThrow(
      /^MarginHead: options\.dim must be an integer >= 1, got 0/,
    );
    expect(() => new MarginHead({ dim: 2, classes: 1.5 })).toThrow(
      /^MarginHead: options\.classes must be an integer/,
    );
    expect(() => new MarginHead({ dim: 2, classes: 2, init: 'he' as never })).toThrow(
      /^MarginHead: options\.init/,
    );
    const before = tf.memory().numTensors;
    const head = new MarginHead({ dim: 2, classes: 2 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const bad = tf.zeros([3, 4]) as tf.Tensor2D;
    expect(() => head.cosine(bad)).toThrow(
      /^MarginHead\.cosine: embeddings must have dim 2, got shape \[3,4\]/,
    );
    expect(() => crossEntropy(bad, [0, 1, 4])).toThrow(
      /^crossEntropy: labels\[2\] must be an integer in \[0, 4\), got 4/,
    );
    expect(() => crossEntropy(tf.zeros([3]) as unknown as tf.Tensor2D, [0])).toThrow(
      /^crossEntropy: logits must have rank 2/,
    );
    expect(() => softmaxLogits(bad, bad)).toThrow(/^softmaxLogits: weights must have 4 rows/);
    expect(() => normalizedSoftmaxLogits(bad, { scale: 0 })).toThrow(
      /^normalizedSoftmaxLogits: options\.scale must be/,
    );
    tf.dispose(bad);
    head.dispose();
  });
});
