import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { dcl, dclw, DclOptions } from '../../src/losses/dcl';
import { relativeL2 } from '../helpers/compare';
import { Matrix, ntXentRef, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('dcl on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  const [q, k] = [randomMatrix(5, 6, 41), randomMatrix(5, 6, 42)];

  it('DCL matches the nested-loop reference', () => {
    const got = tf.tidy(() => dcl(t2(q), t2(k), { temperature: 0.1 }).dataSync()[0]);
    expect(relative(got, ntXentRef(q, k, { temperature: 0.1, decoupled: true }))).toBeLessThan(
      1e-5,
    );
  });

  it('DCLW matches the nested-loop reference (σ = 0.5 and 0.2)', () => {
    const got = tf.tidy(() => dclw(t2(q), t2(k), { temperature: 0.1 }).dataSync()[0]);
    expect(
      relative(got, ntXentRef(q, k, { temperature: 0.1, decoupled: true, vmfSigma: 0.5 })),
    ).toBeLessThan(1e-5);
    const sharp = tf.tidy(
      () => dcl(t2(q), t2(k), { temperature: 0.2, weighting: 'vmf', sigma: 0.2 }).dataSync()[0],
    );
    expect(
      relative(sharp, ntXentRef(q, k, { temperature: 0.2, decoupled: true, vmfSigma: 0.2 })),
    ).toBeLessThan(1e-5);
  });

  it('analytic: all similarities equal gives log(2N − 2), for DCL and DCLW alike', () => {
    const same = Array.from({ length: 4 }, () => [0.2, 0.4, -1]);
    const [plain, weighted] = tf.tidy(() => [
      dcl(t2(same), t2(same)).dataSync()[0],
      dclw(t2(same), t2(same)).dataSync()[0],
    ]);
    expect(relative(plain, Math.log(6))).toBeLessThan(1e-5);
    expect(relative(weighted, Math.log(6))).toBeLessThan(1e-5); // equal pairs: every w_i = 1
  });

  it.each<[string, DclOptions]>([
    ['DCL', { temperature: 0.3 }],
    ['DCLW', { temperature: 0.3, weighting: 'vmf' }],
  ])('gradients of %s match central differences (weights held constant)', (_name, options) => {
    const [gq, gk] = [randomMatrix(3, 4, 43), randomMatrix(3, 4, 44)];
    const reference = (inputs: Matrix[]) =>
      ntXentRef(inputs[0], inputs[1], {
        temperature: 0.3,
        decoupled: true,
        vmfSigma: options.weighting === 'vmf' ? 0.5 : undefined,
        detachedFrom: { query: gq, key: gk },
      });
    const [dq, dk] = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) => dcl(a as tf.Tensor2D, b as tf.Tensor2D, options))([
          t2(gq),
          t2(gk),
        ])
        .map((g) => g.dataSync()),
    );
    expect(relativeL2(dq, numericGradient(reference, [gq, gk], 0))).toBeLessThan(1e-4);
    expect(relativeL2(dk, numericGradient(reference, [gq, gk], 1))).toBeLessThan(1e-4);
  });

  it('leaks no tensors', () => {
    const [a, b] = [t2(q), t2(k)];
    const before = tf.memory().numTensors;
    dcl(a, b).dispose();
    dclw(a, b).dispose();
    tf.dispose(
      tf.grads((x: tf.Tensor, y: tf.Tensor) => dclw(x as tf.Tensor2D, y as tf.Tensor2D))([a, b]),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('dcl argument errors', () => {
  it('names the function and argument', () => {
    tf.tidy(() => {
      const a = tf.ones([3, 2]) as tf.Tensor2D;
      const one = tf.ones([1, 2]) as tf.Tensor2D;
      expect(() => dcl(one, one)).toThrow(/^dcl: query must have at least 2 row\(s\)/);
      expect(() => dcl(a, a, { temperature: -0.1 })).toThrow(
        /^dcl: options\.temperature must be a finite number > 0, got -0\.1/,
      );
      expect(() => dclw(a, a, { sigma: 0 })).toThrow(
        /^dcl: options\.sigma must be a finite number > 0, got 0/,
      );
      expect(() => dcl(a, a, { weighting: 'cosine' as never })).toThrow(
        /^dcl: options\.weighting must be 'none' \| 'vmf', got 'cosine'/,
      );
      expect(() => dcl(a, tf.ones([4, 2]) as tf.Tensor2D)).toThrow(
        /^dcl: query and key must have the same shape/,
      );
    });
  });
});
