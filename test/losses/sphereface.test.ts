import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { crossEntropy } from '../../src/losses/cross_entropy';
import { sphereFaceLambda, sphereFaceLogits, sphereFacePsi } from '../../src/losses/sphereface';
import { relativeL2 } from '../helpers/compare';
import { crossEntropyRef, psiRef, sphereFaceRef } from './margin_reference';
import { Matrix, numericGradient, randomMatrix } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const cos = randomMatrix(5, 6, 61);
const labels = [1, 0, 5, 5, 2];
cos[0][1] = -0.99;
cos[1][0] = 1;
const norms = [2, 0.5, 3, 1, 7];

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('sphereFaceLogits on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each([1, 2, 3, 4, 5])('ψ matches (−1)^k cos(mθ) − 2k for m = %s', (m) => {
    const grid = Array.from({ length: 201 }, (_, i) => Math.cos((Math.PI * i) / 200));
    const got = tf.tidy(() => sphereFacePsi(tf.tensor1d(grid), m).dataSync());
    got.forEach((v, i) => expect(Math.abs(v - psiRef(grid[i], m))).toBeLessThan(2e-4 * m));
  });

  it('ψ at and around the piecewise boundaries θ = kπ/m is 1 − 2k (continuous, decreasing)', () => {
    const m = 4;
    for (let k = 1; k < m; k++) {
      const theta = (k * Math.PI) / m;
      const at = [theta - 1e-3, theta, theta + 1e-3].map(Math.cos);
      const v = tf.tidy(() => Array.from(sphereFacePsi(tf.tensor1d(at), m).dataSync()));
      expect(v[1]).toBeCloseTo(1 - 2 * k, 3);
      expect(Math.abs(v[0] - (1 - 2 * k))).toBeLessThan(1e-2);
      expect(Math.abs(v[2] - (1 - 2 * k))).toBeLessThan(1e-2);
      expect(v[0]).toBeGreaterThan(v[2]);
    }
    const ends = tf.tidy(() => Array.from(sphereFacePsi(tf.tensor1d([1, -1]), m).dataSync()));
    expect(ends[0]).toBeCloseTo(1, 4);
    expect(ends[1]).toBeCloseTo(1 - 2 * m, 3); // ψ(π) = −(2m − 1)
  });

  it('matches the loop with feature norms and a scheduled λ', () => {
    const lambda = sphereFaceLambda(100);
    const got = tf.tidy(() =>
      sphereFaceLogits(t2(cos), labels, {
        featureNorms: tf.tensor1d(norms),
        iteration: 100,
      }).dataSync(),
    );
    expect(
      relativeL2(got, sphereFaceRef(cos, labels, { margin: 4, lambda, rowScale: norms }).flat()),
    ).toBeLessThan(1e-5);
  });

  it('matches the loop with a fixed scale, λ = 0, m = 3, and [N, 1] norms', () => {
    const got = tf.tidy(() =>
      sphereFaceLogits(t2(cos), labels, { scale: 30, margin: 3 }).dataSync(),
    );
    const want = sphereFaceRef(cos, labels, {
      margin: 3,
      lambda: 0,
      rowScale: norms.map(() => 30),
    });
    expect(relativeL2(got, want.flat())).toBeLessThan(1e-5);
    const column = tf.tidy(() =>
      sphereFaceLogits(t2(cos), labels, {
        featureNorms: tf.tensor2d(norms, [5, 1]),
        lambda: 2,
      }).dataSync(),
    );
    expect(
      relativeL2(
        column,
        sphereFaceRef(cos, labels, { margin: 4, lambda: 2, rowScale: norms }).flat(),
      ),
    ).toBeLessThan(1e-5);
  });

  it('a huge λ approaches plain (norm-scaled) softmax logits', () => {
    const got = tf.tidy(() =>
      sphereFaceLogits(t2(cos), labels, { scale: 1, lambda: 1e7 }).dataSync(),
    );
    expect(relativeL2(got, cos.flat())).toBeLessThan(1e-5);
  });

  it('gradients w.r.t. cos and feature norms are finite (cos = ±1 included); no leaks', () => {
    const [c, n] = [t2(cos), tf.tensor1d(norms)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((x: tf.Tensor, s: tf.Tensor) =>
      crossEntropy(
        sphereFaceLogits(x as tf.Tensor2D, labels, { featureNorms: s, iteration: 10 }),
        labels,
      ),
    )([c, n]);
    grads.forEach((g) => expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true));
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([c, n]);
  });
});

describe('sphereFaceLambda', () => {
  it('anneals from base to λ_min', () => {
    expect(sphereFaceLambda(0)).toBe(1000);
    expect(sphereFaceLambda(100)).toBeCloseTo(1000 / 13, 10);
    expect(sphereFaceLambda(1e6)).toBe(5);
    expect(sphereFaceLambda(10, { base: 10, gamma: 1, power: 2, minimum: 0 })).toBeCloseTo(
      10 / 121,
      12,
    );
    expect(() => sphereFaceLambda(-1)).toThrow(/^sphereFaceLambda: iteration must be/);
  });
});

describe('sphereFaceLogits gradients on cpu vs central differences', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // Away from the piecewise boundaries: θ stays inside one interval under ±1e-6.
  const smooth = randomMatrix(4, 5, 71).map((r) => r.map((v) => 0.95 * v));
  const y = [2, 2, 0, 4];
  const rowNorms = [[1.5], [0.7], [2], [1]];
  it('w.r.t. cos and feature norms', () => {
    const o = { margin: 4, lambda: 3 };
    const [gc, gn] = tf.tidy(() =>
      tf
        .grads((x: tf.Tensor, s: tf.Tensor) =>
          crossEntropy(sphereFaceLogits(x as tf.Tensor2D, y, { ...o, featureNorms: s }), y),
        )([t2(smooth), t2(rowNorms)])
        .map((g) => g.dataSync()),
    );
    const f = (m: Matrix[]) =>
      crossEntropyRef(sphereFaceRef(m[0], y, { ...o, rowScale: m[1].map((r) => r[0]) }), y);
    expect(relativeL2(gc, numericGradient(f, [smooth, rowNorms], 0))).toBeLessThan(1e-4);
    expect(relativeL2(gn, numericGradient(f, [smooth, rowNorms], 1))).toBeLessThan(1e-4);
  });
});

describe('sphereFaceLogits argument errors', () => {
  let c: tf.Tensor2D;
  beforeAll(() => (c = tf.zeros([2, 3])));
  afterAll(() => c.dispose());
  it('names the function and argument', () => {
    expect(() => sphereFaceLogits(c, [0, 1], { scale: 1, margin: 2.5 })).toThrow(
      /^sphereFaceLogits: options\.margin must be an integer >= 1, got 2\.5/,
    );
    expect(() => sphereFaceLogits(c, [0, 1], { scale: 1, margin: 0 })).toThrow(
      /^sphereFaceLogits: options\.margin/,
    );
    expect(() => sphereFaceLogits(c, [0, 1])).toThrow(
      /^sphereFaceLogits: exactly one of options\.featureNorms and options\.scale/,
    );
    expect(() => sphereFaceLogits(c, [0, 1], { scale: -2 })).toThrow(
      /^sphereFaceLogits: options\.scale must be a finite number > 0/,
    );
    expect(() => sphereFaceLogits(c, [0, 1], { scale: 1, lambda: -1 })).toThrow(
      /^sphereFaceLogits: options\.lambda/,
    );
    expect(() => sphereFaceLogits(c, [0, 1], { scale: 1, iteration: NaN })).toThrow(
      /^sphereFaceLogits: options\.iteration/,
    );
    expect(() => sphereFaceLogits(c, [2, 3], { scale: 1 })).toThrow(
      /^sphereFaceLogits: labels\[1\] must be an integer in \[0, 3\)/,
    );
    const n = tf.ones([3]);
    expect(() => sphereFaceLogits(c, [0, 1], { featureNorms: n })).toThrow(
      /^sphereFaceLogits: options\.featureNorms must be a tf\.Tensor of shape \[2\]/,
    );
    n.dispose();
  });
});
