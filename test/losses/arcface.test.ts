import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { arcfaceLogits, ArcFaceOptions } from '../../src/losses/arcface';
import { crossEntropy } from '../../src/losses/cross_entropy';
import { relativeL2 } from '../helpers/compare';
import { arcfaceRef, arcfaceTarget, crossEntropyRef } from './margin_reference';
import { Matrix, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const flat = (m: Matrix) => m.flat();
const logitsOf = (cos: Matrix, labels: number[], o: ArcFaceOptions) =>
  tf.tidy(() => Array.from(arcfaceLogits(t2(cos), labels, o).dataSync()));

// Cosines in [−1, 1) with the target of row 0 beyond π − m (θ + m > π) and row 1 at cos = 1.
const cos = randomMatrix(5, 7, 31);
const labels = [2, 0, 6, 3, 3];
cos[0][2] = -0.95;
cos[1][0] = 1;
cos[4][3] = -1;

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('arcfaceLogits on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each([
    { scale: 64, margin: 0.5 },
    { scale: 30, margin: 0.2 },
    { scale: 16, margin: 0.5, easyMargin: true },
  ])('matches the per-sample, per-class loop (%o)', (o) => {
    expect(relativeL2(logitsOf(cos, labels, o), flat(arcfaceRef(cos, labels, o)))).toBeLessThan(
      1e-5,
    );
    const got = logitsOf(cos, labels, o);
    const want = flat(arcfaceRef(cos, labels, o));
    got.forEach((v, i) =>
      expect(Math.abs(v - want[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]))),
    );
  });

  it('uses defaults s = 64, m = 0.5', () => {
    expect(
      relativeL2(
        logitsOf(cos, labels, {}),
        flat(arcfaceRef(cos, labels, { scale: 64, margin: 0.5 })),
      ),
    ).toBeLessThan(1e-5);
  });

  it('θ + m > π falls back to cos θ − sin(π − m)·m (insightface th / mm)', () => {
    const m = 0.5;
    const th = Math.cos(Math.PI - m);
    for (const c of [-0.95, th - 1e-3, -0.99]) {
      const got = logitsOf([[c, 0.1]], [0], { scale: 1, margin: m })[0];
      expect(got).toBeCloseTo(c - Math.sin(Math.PI - m) * m, 5);
    }
    const inside = logitsOf([[th + 1e-3, 0.1]], [0], { scale: 1, margin: m })[0];
    expect(inside).toBeCloseTo(Math.cos(Math.acos(th + 1e-3) + m), 5);
    expect(arcfaceTarget(-0.95, m)).toBeCloseTo(-0.95 - Math.sin(Math.PI - m) * m, 10);
  });

  it('easy margin keeps cos θ where cos θ ≤ 0; non-targets are s·cos θ', () => {
    const got = logitsOf(
      [
        [-0.3, 0.4],
        [0.6, -0.2],
      ],
      [0, 0],
      { scale: 2, margin: 0.5, easyMargin: true },
    );
    expect(got[0]).toBeCloseTo(-0.6, 5);
    expect(got[1]).toBeCloseTo(0.8, 5);
    expect(got[2]).toBeCloseTo(2 * Math.cos(Math.acos(0.6) + 0.5), 5);
    expect(got[3]).toBeCloseTo(-0.4, 5);
  });

  it('m = 0 gives s·cos (normalised softmax)', () => {
    expect(
      relativeL2(
        logitsOf(cos, labels, { scale: 10, margin: 0 }),
        flat(cos).map((c) => 10 * c),
      ),
    ).toBeLessThan(1e-5);
  });

  it('loss equals softmax cross-entropy of the reference logits', () => {
    const o = { scale: 30, margin: 0.5 };
    const got = tf.tidy(
      () => crossEntropy(arcfaceLogits(t2(cos), labels, o), labels).dataSync()[0],
    );
    expect(relative(got, crossEntropyRef(arcfaceRef(cos, labels, o), labels))).toBeLessThan(1e-5);
  });

  it('gradients are finite, including at cos = ±1', () => {
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((c: tf.Tensor) => crossEntropy(arcfaceLogits(c as tf.Tensor2D, labels), labels))(
            t2(cos),
          )
          .dataSync(),
      ),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    const ge = tf.tidy(() =>
      Array.from(
        tf
          .grad((c: tf.Tensor) =>
            crossEntropy(arcfaceLogits(c as tf.Tensor2D, labels, { easyMargin: true }), labels),
          )(t2(cos))
          .dataSync(),
      ),
    );
    expect(ge.every(Number.isFinite)).toBe(true);
  });

  it('leaks no tensors (forward and gradient)', () => {
    const [c, y] = [t2(cos), tf.tensor1d(labels, 'int32')];
    const before = tf.memory().numTensors;
    arcfaceLogits(c, labels).dispose();
    arcfaceLogits(c, y, { easyMargin: true }).dispose();
    tf.grad((x: tf.Tensor) => crossEntropy(arcfaceLogits(x as tf.Tensor2D, labels), labels))(
      c,
    ).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([c, y]);
  });
});

describe('arcfaceLogits gradients (cpu, central differences)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // Keep away from the branch points and the clamp so the function is smooth at every entry.
  const smooth = randomMatrix(4, 5, 41).map((r) => r.map((v) => 0.9 * v));
  const y = [1, 4, 0, 1];
  smooth[2][0] = -0.97; // fallback branch
  it.each([
    { scale: 8, margin: 0.5 },
    { scale: 4, margin: 0.3, easyMargin: true },
  ])('%o', (o) => {
    const g = tf.tidy(() =>
      tf
        .grad((c: tf.Tensor) => crossEntropy(arcfaceLogits(c as tf.Tensor2D, y, o), y))(t2(smooth))
        .dataSync(),
    );
    const ref = numericGradient((m) => crossEntropyRef(arcfaceRef(m[0], y, o), y), [smooth], 0);
    expect(relativeL2(g, ref)).toBeLessThan(1e-4);
  });
});

describe('arcfaceLogits argument errors', () => {
  let zeros: tf.Tensor2D;
  beforeAll(() => (zeros = tf.zeros([3, 4])));
  afterAll(() => zeros.dispose());
  const c = () => zeros;
  it.each([0, -1, NaN])('rejects scale %s', (scale) => {
    expect(() => arcfaceLogits(c(), [0, 1, 2], { scale })).toThrow(
      /^arcfaceLogits: options\.scale must be a finite number > 0, got /,
    );
  });
  it.each([-0.1, Math.PI, NaN])('rejects margin %s', (margin) => {
    expect(() => arcfaceLogits(c(), [0, 1, 2], { margin })).toThrow(
      /^arcfaceLogits: options\.margin must be a number in \[0, π\)/,
    );
  });
  it('rejects labels out of range, non-integer, of the wrong length or rank', () => {
    expect(() => arcfaceLogits(c(), [0, 4, 1])).toThrow(
      /^arcfaceLogits: labels\[1\] must be an integer in \[0, 4\), got 4/,
    );
    expect(() => arcfaceLogits(c(), [0, -1, 1])).toThrow(
      /^arcfaceLogits: labels\[1\] must be an integer/,
    );
    expect(() => arcfaceLogits(c(), tf.tensor1d([0, 1.5, 1]))).toThrow(
      /^arcfaceLogits: labels\[1\] must be an integer in \[0, 4\), got 1\.5/,
    );
    expect(() => arcfaceLogits(c(), [0, 1])).toThrow(/^arcfaceLogits: labels must have length 3/);
    expect(() => arcfaceLogits(c(), tf.zeros([3, 1]) as unknown as tf.Tensor1D)).toThrow(
      /^arcfaceLogits: labels must have rank 1/,
    );
  });
  it('rejects a non-matrix cos', () => {
    expect(() => arcfaceLogits(tf.zeros([3]) as unknown as tf.Tensor2D, [0, 1, 2])).toThrow(
      /^arcfaceLogits: cos must have shape \[N, classes\]/,
    );
    expect(() => arcfaceLogits([[1]] as unknown as tf.Tensor2D, [0])).toThrow(
      /^arcfaceLogits: cos must be a tf\.Tensor/,
    );
  });
});
