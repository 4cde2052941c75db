import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { infoNce } from '../../src/losses/info_nce';
import { supCon } from '../../src/losses/sup_con';
import { relativeL2 } from '../helpers/compare';
import { Matrix, ntXentRef, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('supCon on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  const [q, k] = [randomMatrix(6, 5, 31), randomMatrix(6, 5, 32)];
  const labels = [0, 1, 0, 2, 1, 0];

  it('matches the nested-loop reference', () => {
    const got = tf.tidy(() => supCon(t2(q), t2(k), labels, { temperature: 0.1 }).dataSync()[0]);
    expect(relative(got, ntXentRef(q, k, { temperature: 0.1, labels }))).toBeLessThan(1e-5);
  });

  it('accepts labels as an int32 tensor', () => {
    const got = tf.tidy(
      () => supCon(t2(q), t2(k), tf.tensor1d(labels, 'int32'), { temperature: 0.1 }).dataSync()[0],
    );
    expect(relative(got, ntXentRef(q, k, { temperature: 0.1, labels }))).toBeLessThan(1e-5);
  });

  it('with distinct labels equals NT-Xent', () => {
    const [sup, nt] = tf.tidy(() => [
      supCon(t2(q), t2(k), [0, 1, 2, 3, 4, 5], { temperature: 0.3 }).dataSync()[0],
      infoNce(t2(q), t2(k), { temperature: 0.3 }).dataSync()[0],
    ]);
    expect(relative(sup, nt)).toBeLessThan(1e-6);
  });

  it('analytic: one class with identical embeddings gives log(2N − 1)', () => {
    const same = Array.from({ length: 3 }, () => [1, -1, 0.5]);
    const got = tf.tidy(
      () => supCon(t2(same), t2(same), [4, 4, 4], { temperature: 0.1 }).dataSync()[0],
    );
    expect(relative(got, Math.log(5))).toBeLessThan(1e-5);
  });

  it('gradients match central differences', () => {
    const [gq, gk] = [randomMatrix(4, 3, 33), randomMatrix(4, 3, 34)];
    const gl = [1, 0, 1, 1];
    const reference = (inputs: Matrix[]) =>
      ntXentRef(inputs[0], inputs[1], { temperature: 0.2, labels: gl });
    const [dq, dk] = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) =>
          supCon(a as tf.Tensor2D, b as tf.Tensor2D, gl, { temperature: 0.2 }),
        )([t2(gq), t2(gk)])
        .map((g) => g.dataSync()),
    );
    expect(relativeL2(dq, numericGradient(reference, [gq, gk], 0))).toBeLessThan(1e-4);
    expect(relativeL2(dk, numericGradient(reference, [gq, gk], 1))).toBeLessThan(1e-4);
  });

  it('leaks no tensors', () => {
    const [a, b, l] = [t2(q), t2(k), tf.tensor1d(labels, 'int32')];
    const before = tf.memory().numTensors;
    supCon(a, b, l).dispose();
    supCon(a, b, labels).dispose();
    tf.dispose(
      tf.grads((x: tf.Tensor, y: tf.Tensor) => supCon(x as tf.Tensor2D, y as tf.Tensor2D, l))([
        a,
        b,
      ]),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, l]);
  });
});

describe('supCon argument errors', () => {
  it('names the function and argument', () => {
    tf.tidy(() => {
      const a = tf.ones([3, 2]) as tf.Tensor2D;
      expect(() => supCon(a, a, [0, 1])).toThrow(
        /^supCon: labels must have shape \[3\] \(one per query row\), got length 2/,
      );
      expect(() => supCon(a, a, tf.ones([3, 1]) as unknown as tf.Tensor1D)).toThrow(
        /^supCon: labels must have shape \[3\].*got shape \[3,1\]/,
      );
      expect(() => supCon(a, a, [0, 1, 2], { temperature: 0 })).toThrow(
        /^supCon: options\.temperature must be a finite number > 0, got 0/,
      );
      expect(() => supCon(a, tf.ones([3, 4]) as tf.Tensor2D, [0, 1, 2])).toThrow(
        /^supCon: query and key must have the same shape/,
      );
    });
  });
});
