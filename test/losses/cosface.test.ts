import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { cosfaceLogits } from '../../src/losses/cosface';
import { crossEntropy } from '../../src/losses/cross_entropy';
import { relativeL2 } from '../helpers/compare';
import { cosfaceRef, crossEntropyRef } from './margin_reference';
import { Matrix, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const cos = randomMatrix(6, 5, 51);
const labels = [0, 4, 2, 2, 1, 3];

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('cosfaceLogits on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each([
    { scale: 64, margin: 0.35 },
    { scale: 30, margin: 0.1 },
  ])('matches the loop (%o)', (o) => {
    const got = tf.tidy(() => cosfaceLogits(t2(cos), labels, o).dataSync());
    expect(relativeL2(got, cosfaceRef(cos, labels, o).flat())).toBeLessThan(1e-6);
  });

  it('defaults are s = 64, m = 0.35, and the loss is CE of the logits', () => {
    const got = tf.tidy(() => crossEntropy(cosfaceLogits(t2(cos), labels), labels).dataSync()[0]);
    const want = crossEntropyRef(cosfaceRef(cos, labels, { scale: 64, margin: 0.35 }), labels);
    expect(relative(got, want)).toBeLessThan(1e-5);
  });

  it('gradients are finite and no tensor leaks', () => {
    const c = t2(cos);
    const before = tf.memory().numTensors;
    const g = tf.grad((x: tf.Tensor) =>
      crossEntropy(cosfaceLogits(x as tf.Tensor2D, labels), labels),
    )(c);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    c.dispose();
  });
});

describe('cosfaceLogits on cpu: gradient vs central differences', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('matches', () => {
    const o = { scale: 8, margin: 0.35 };
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => crossEntropy(cosfaceLogits(x as tf.Tensor2D, labels, o), labels))(
          t2(cos),
        )
        .dataSync(),
    );
    const ref = numericGradient(
      (m) => crossEntropyRef(cosfaceRef(m[0], labels, o), labels),
      [cos],
      0,
    );
    expect(relativeL2(g, ref)).toBeLessThan(1e-4);
  });
});

describe('cosfaceLogits argument errors', () => {
  let c: tf.Tensor2D;
  beforeAll(() => (c = tf.zeros([2, 3])));
  afterAll(() => c.dispose());
  it('names the function and argument', () => {
    expect(() => cosfaceLogits(c, [0, 1], { scale: 0 })).toThrow(
      /^cosfaceLogits: options\.scale must be a finite number > 0, got 0/,
    );
    expect(() => cosfaceLogits(c, [0, 1], { margin: -0.1 })).toThrow(
      /^cosfaceLogits: options\.margin must be a number in \[0, 2\)/,
    );
    expect(() => cosfaceLogits(c, [0, 3])).toThrow(
      /^cosfaceLogits: labels\[1\] must be an integer in \[0, 3\), got 3/,
    );
    expect(() => cosfaceLogits(c, [0.5, 1])).toThrow(
      /^cosfaceLogits: labels\[0\] must be an integer/,
    );
    expect(() => cosfaceLogits(c, [0, 1, 2])).toThrow(/^cosfaceLogits: labels must have length 2/);
  });
});
