import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { infoNce, InfoNceOptions } from '../../src/losses/info_nce';
import { relativeL2 } from '../helpers/compare';
import { Matrix, ntXentRef, numericGradient, queueRef, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const lossOf = (q: Matrix, k: Matrix, options: InfoNceOptions = {}) =>
  tf.tidy(() => infoNce(t2(q), t2(k), options).dataSync()[0]);

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('infoNce on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  const [q, k, queue] = [randomMatrix(6, 5, 11), randomMatrix(6, 5, 12), randomMatrix(9, 5, 13)];

  it.each([0.1, 0.5, 1])('NT-Xent matches the nested-loop reference (τ = %s)', (temperature) => {
    expect(relative(lossOf(q, k, { temperature }), ntXentRef(q, k, { temperature }))).toBeLessThan(
      1e-5,
    );
  });

  it('MoCo (queue) matches the reference', () => {
    const got = tf.tidy(
      () => infoNce(t2(q), t2(k), { temperature: 0.2, negatives: t2(queue) }).dataSync()[0],
    );
    expect(relative(got, queueRef(q, k, queue, { temperature: 0.2 }))).toBeLessThan(1e-5);
  });

  it.each(['elimination', 'attraction'] as const)(
    'false-negative %s matches the reference',
    (mode) => {
      const falseNegatives = { count: 2, mode };
      expect(
        relative(
          lossOf(q, k, { temperature: 0.5, falseNegatives }),
          ntXentRef(q, k, { temperature: 0.5, falseNegatives }),
        ),
      ).toBeLessThan(1e-5);
      const got = tf.tidy(
        () =>
          infoNce(t2(q), t2(k), {
            temperature: 0.2,
            negatives: t2(queue),
            falseNegatives,
          }).dataSync()[0],
      );
      expect(
        relative(got, queueRef(q, k, queue, { temperature: 0.2, falseNegatives })),
      ).toBeLessThan(1e-5);
    },
  );

  it('hard-negative mixing (MoCHi) matches the reference, with cancellation', () => {
    const options = {
      temperature: 0.2,
      falseNegatives: { count: 1, mode: 'elimination' as const },
      hardNegativeMixing: { hardest: 4, synthetic: 3, querySynthetic: 2, seed: 7 },
    };
    const got = tf.tidy(
      () => infoNce(t2(q), t2(k), { ...options, negatives: t2(queue) }).dataSync()[0],
    );
    expect(relative(got, queueRef(q, k, queue, options))).toBeLessThan(1e-5);
  });

  it('analytic: all similarities equal gives log(2N − 1)', () => {
    const same = Array.from({ length: 4 }, () => [0.3, -0.2, 0.5]);
    expect(relative(lossOf(same, same, { temperature: 0.3 }), Math.log(7))).toBeLessThan(1e-5);
  });

  it('analytic: perfect positives, orthogonal negatives give log(1 + (2N − 2)·e^(−1/τ))', () => {
    const eye = Array.from({ length: 4 }, (_, i) =>
      Array.from({ length: 4 }, (_, j) => (i === j ? 2 : 0)),
    );
    const tau = 0.5;
    expect(
      relative(lossOf(eye, eye, { temperature: tau }), Math.log(1 + 6 * Math.exp(-1 / tau))),
    ).toBeLessThan(1e-5);
  });

  it('analytic: MoCo with a queue of M and equal similarities gives log(M + 1)', () => {
    const row = [1, 2, -1];
    const rows = (r: number) => Array.from({ length: r }, () => row);
    const got = tf.tidy(
      () =>
        infoNce(t2(rows(3)), t2(rows(3)), {
          temperature: 0.07,
          negatives: t2(rows(10)),
        }).dataSync()[0],
    );
    expect(relative(got, Math.log(11))).toBeLessThan(1e-5);
    const mixed = tf.tidy(
      () =>
        infoNce(t2(rows(3)), t2(rows(3)), {
          temperature: 0.07,
          negatives: t2(rows(10)),
          hardNegativeMixing: { hardest: 5, synthetic: 4, querySynthetic: 2, seed: 1 },
        }).dataSync()[0],
    );
    expect(relative(mixed, Math.log(17))).toBeLessThan(1e-5); // synthetic points equal the row too
  });

  it('an empty queue (M = 0) gives loss 0 (first MoCo step)', () => {
    const got = tf.tidy(
      () => infoNce(t2(q), t2(k), { negatives: tf.zeros([0, 5]) as tf.Tensor2D }).dataSync()[0],
    );
    expect(got).toBeCloseTo(0, 6);
  });

  it('elimination of a duplicated query in the queue equals the loss without it', () => {
    const withDuplicate = [...queue, q[0]];
    const one = [q[0]];
    const eliminated = tf.tidy(
      () =>
        infoNce(t2(one), t2([k[0]]), {
          negatives: t2(withDuplicate),
          falseNegatives: { count: 1, mode: 'elimination' },
        }).dataSync()[0],
    );
    const plain = tf.tidy(
      () => infoNce(t2(one), t2([k[0]]), { negatives: t2(queue) }).dataSync()[0],
    );
    expect(relative(eliminated, plain)).toBeLessThan(1e-5);
  });

  it('mixing is deterministic per seed and changes with it', () => {
    const run = (seed: number) =>
      tf.tidy(
        () =>
          infoNce(t2(q), t2(k), {
            negatives: t2(queue),
            hardNegativeMixing: { hardest: 5, synthetic: 4, seed },
          }).dataSync()[0],
      );
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
    const plain = tf.tidy(() => infoNce(t2(q), t2(k), { negatives: t2(queue) }).dataSync()[0]);
    const none = tf.tidy(
      () =>
        infoNce(t2(q), t2(k), {
          negatives: t2(queue),
          hardNegativeMixing: { hardest: 5, synthetic: 0, seed: 3 },
        }).dataSync()[0],
    );
    expect(none).toBeCloseTo(plain, 6);
    expect(run(3)).toBeGreaterThan(plain); // extra hard negatives only add to the denominator
  });

  const [gq, gk, gNeg] = [randomMatrix(3, 4, 21), randomMatrix(3, 4, 22), randomMatrix(5, 4, 23)];
  const gradientCases: [string, InfoNceOptions & { temperature: number }, boolean][] = [
    ['NT-Xent', { temperature: 0.5 }, false],
    [
      'NT-Xent + attraction',
      { temperature: 0.5, falseNegatives: { count: 1, mode: 'attraction' } },
      false,
    ],
    ['MoCo', { temperature: 0.2 }, true],
    [
      'MoCo + elimination + MoCHi',
      {
        temperature: 0.2,
        falseNegatives: { count: 1, mode: 'elimination' },
        hardNegativeMixing: { hardest: 3, synthetic: 2, querySynthetic: 1, seed: 5 },
      },
      true,
    ],
  ];
  it.each(gradientCases)('gradients match central differences: %s', (_name, options, withQueue) => {
    const reference = (inputs: Matrix[]) =>
      withQueue
        ? queueRef(inputs[0], inputs[1], gNeg, { ...options, detachedFrom: { query: gq } })
        : ntXentRef(inputs[0], inputs[1], { ...options, detachedFrom: { query: gq, key: gk } });
    const [dq, dk] = tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        infoNce(a as tf.Tensor2D, b as tf.Tensor2D, {
          ...options,
          negatives: withQueue ? t2(gNeg) : undefined,
        });
      return tf
        .grads(f)([t2(gq), t2(gk)])
        .map((g) => g.dataSync());
    });
    expect(relativeL2(dq, numericGradient(reference, [gq, gk], 0))).toBeLessThan(1e-4);
    expect(relativeL2(dk, numericGradient(reference, [gq, gk], 1))).toBeLessThan(1e-4);
  });

  it('leaks no tensors (forward and gradient)', () => {
    const [a, b, neg] = [t2(q), t2(k), t2(queue)];
    const before = tf.memory().numTensors;
    infoNce(a, b).dispose();
    infoNce(a, b, {
      negatives: neg,
      falseNegatives: { count: 2, mode: 'attraction' },
      hardNegativeMixing: { hardest: 3, synthetic: 2, querySynthetic: 1, seed: 1 },
    }).dispose();
    tf.dispose(
      tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        infoNce(x as tf.Tensor2D, y as tf.Tensor2D, {
          negatives: neg,
          hardNegativeMixing: { hardest: 2, synthetic: 2, seed: 1 },
        }),
      )([a, b]),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, neg]);
  });
});

describe('infoNce argument errors', () => {
  let a: tf.Tensor2D;
  let b: tf.Tensor2D;
  beforeAll(() => {
    [a, b] = [tf.ones([4, 3]) as tf.Tensor2D, tf.ones([4, 3]) as tf.Tensor2D];
  });
  afterAll(() => tf.dispose([a, b]));

  it.each([0, -1, NaN, Infinity])('rejects temperature %s', (temperature) => {
    expect(() => infoNce(a, b, { temperature })).toThrow(
      /^infoNce: options\.temperature must be a finite number > 0, got /,
    );
  });

  it('rejects mismatched and non-matrix inputs', () => {
    const c = tf.ones([5, 3]) as tf.Tensor2D;
    expect(() => infoNce(a, c)).toThrow(
      /^infoNce: query and key must have the same shape, got \[4,3\] and \[5,3\]/,
    );
    expect(() => infoNce(tf.ones([4]) as unknown as tf.Tensor2D, b)).toThrow(
      /^infoNce: query must have rank 2/,
    );
    expect(() => infoNce(a, 3 as unknown as tf.Tensor2D)).toThrow(
      /^infoNce: key must be a tf\.Tensor/,
    );
    expect(() => infoNce(a, b, { negatives: tf.ones([6, 2]) as tf.Tensor2D })).toThrow(
      /^infoNce: options\.negatives must have dim 3/,
    );
    c.dispose();
  });

  it('rejects out-of-range negative options', () => {
    expect(() => infoNce(a, b, { falseNegatives: { count: 7, mode: 'elimination' } })).toThrow(
      /^infoNce: options\.falseNegatives\.count must be an integer in \[1, 6\], got 7/,
    );
    expect(() => infoNce(a, b, { falseNegatives: { count: 1, mode: 'drop' as never } })).toThrow(
      /^infoNce: options\.falseNegatives\.mode/,
    );
    expect(() =>
      infoNce(a, b, { hardNegativeMixing: { hardest: 1, synthetic: 1, seed: 0 } }),
    ).toThrow(/^infoNce: options\.hardNegativeMixing needs options\.negatives/);
    const negatives = tf.ones([4, 3]) as tf.Tensor2D;
    expect(() =>
      infoNce(a, b, {
        negatives,
        falseNegatives: { count: 2, mode: 'attraction' },
        hardNegativeMixing: { hardest: 3, synthetic: 1, seed: 0 },
      }),
    ).toThrow(
      /^infoNce: options\.hardNegativeMixing\.hardest must be an integer in \[1, 2\], got 3/,
    );
    negatives.dispose();
  });
});
