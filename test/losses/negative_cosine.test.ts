import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { negativeCosine } from '../../src/losses/negative_cosine';
import { relativeL2 } from '../helpers/compare';
import { Matrix, negativeCosineRef, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('negativeCosine on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  const [p, z] = [randomMatrix(5, 7, 51), randomMatrix(5, 7, 52)];

  it('matches the reference', () => {
    const got = tf.tidy(() => negativeCosine(t2(p), t2(z)).dataSync()[0]);
    expect(relative(got, negativeCosineRef(p, z))).toBeLessThan(1e-5);
  });

  it('analytic: aligned −1, opposite +1, orthogonal 0 (scale-invariant)', () => {
    tf.tidy(() => {
      const x = t2([
        [1, 2, 3],
        [0, -1, 4],
      ]);
      expect(negativeCosine(x, tf.mul(x, 5) as tf.Tensor2D).dataSync()[0]).toBeCloseTo(-1, 6);
      expect(negativeCosine(x, tf.mul(x, -0.5) as tf.Tensor2D).dataSync()[0]).toBeCloseTo(1, 6);
      expect(negativeCosine(t2([[1, 0]]), t2([[0, 3]])).dataSync()[0]).toBeCloseTo(0, 6);
    });
  });

  it('gradient flows to the prediction only (stop-gradient on the target)', () => {
    const [dp, dz] = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) => negativeCosine(a as tf.Tensor2D, b as tf.Tensor2D))([
          t2(p),
          t2(z),
        ])
        .map((g) => g.dataSync()),
    );
    const reference = (inputs: Matrix[]) => negativeCosineRef(inputs[0], inputs[1]);
    expect(relativeL2(dp, numericGradient(reference, [p, z], 0))).toBeLessThan(1e-4);
    expect(Array.from(dz).every((g) => g === 0)).toBe(true);
  });

  it('stop-gradient holds when target and prediction share a variable (SimSiam)', () => {
    const dx = tf.tidy(() => {
      const x = t2(p);
      const predictor = t2(randomMatrix(7, 7, 53));
      return tf
        .grad((v: tf.Tensor) =>
          negativeCosine(tf.matMul(v as tf.Tensor2D, predictor), v as tf.Tensor2D),
        )(x)
        .dataSync();
    });
    const w = randomMatrix(7, 7, 53);
    const matmul = (a: Matrix) =>
      a.map((row) => w[0].map((_, j) => row.reduce((s, x, i) => s + x * w[i][j], 0)));
    const reference = (inputs: Matrix[]) => negativeCosineRef(matmul(inputs[0]), p); // target held fixed
    expect(relativeL2(dx, numericGradient(reference, [p], 0))).toBeLessThan(1e-4);
  });

  it('leaks no tensors', () => {
    const [a, b] = [t2(p), t2(z)];
    const before = tf.memory().numTensors;
    negativeCosine(a, b).dispose();
    tf.dispose(
      tf.grads((x: tf.Tensor, y: tf.Tensor) => negativeCosine(x as tf.Tensor2D, y as tf.Tensor2D))([
        a,
        b,
      ]),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('negativeCosine argument errors', () => {
  it('names the function and argument', () => {
    tf.tidy(() => {
      const a = tf.ones([3, 2]) as tf.Tensor2D;
      expect(() => negativeCosine(a, tf.ones([3, 3]) as tf.Tensor2D)).toThrow(
        /^negativeCosine: prediction and target must have the same shape, got \[3,2\] and \[3,3\]/,
      );
      expect(() => negativeCosine(tf.ones([2, 3, 2]) as unknown as tf.Tensor2D, a)).toThrow(
        /^negativeCosine: prediction must have rank 2/,
      );
      expect(() => negativeCosine(a, tf.ones([3, 2], 'int32') as tf.Tensor2D)).toThrow(
        /^negativeCosine: target must be float32, got int32/,
      );
    });
  });
});
