import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { CenterLoss } from '../../src/losses/center_loss';
import { contrastivePairLoss } from '../../src/losses/contrastive_pair';
import { DistanceName } from '../../src/losses/distances';
import { hardestPairs, tripletLoss, TripletOptions } from '../../src/losses/triplet';
import { relativeL2 } from '../helpers/compare';
import { centerLossRef, contrastivePairRef, tripletRef } from './margin_reference';
import { Matrix, numericGradient, randomMatrix, relative } from './reference';

const t2 = (m: Matrix) => tf.tensor2d(m);
const a = randomMatrix(6, 4, 91);
const b = randomMatrix(6, 4, 92);
const same = [1, 0, 1, 0, 0, 1];
const x = randomMatrix(8, 3, 93);
const labels = [0, 1, 0, 2, 1, 2, 0, 3]; // class 3 has no positive
const distances: DistanceName[] = ['euclidean', 'squaredEuclidean', 'cosine'];
const tripletCases: TripletOptions[] = [
  { mining: 'batchHard', distance: 'euclidean', margin: 0.3 },
  { mining: 'batchHard', distance: 'cosine', margin: 0.2 },
  { mining: 'batchAll', distance: 'euclidean', margin: 0.5 },
  { mining: 'batchAll', distance: 'squaredEuclidean', margin: 0.5, average: 'all' },
  { mining: 'batchAll', distance: 'cosine', margin: 0.1 },
];

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('metric losses on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each(distances)('contrastivePairLoss matches the loop (%s)', (distance) => {
    for (const margin of [0.5, 1, 2]) {
      const got = tf.tidy(
        () => contrastivePairLoss(t2(a), t2(b), same, { margin, distance }).dataSync()[0],
      );
      expect(relative(got, contrastivePairRef(a, b, same, margin, distance))).toBeLessThan(1e-5);
    }
  });

  it('contrastivePairLoss: identical positives cost 0 with finite gradients', () => {
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((z: tf.Tensor) => contrastivePairLoss(z as tf.Tensor2D, t2(a), [1, 1, 1, 0, 1, 1]))(
            t2(a),
          )
          .dataSync(),
      ),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    expect(tf.tidy(() => contrastivePairLoss(t2(a), t2(a), [1, 1, 1, 1, 1, 1]).dataSync()[0])).toBe(
      0,
    );
    // an identical negative pair costs m².
    expect(
      tf.tidy(
        () => contrastivePairLoss(t2(a), t2(a), [0, 0, 0, 0, 0, 0], { margin: 0.7 }).dataSync()[0],
      ),
    ).toBeCloseTo(0.49, 5);
  });

  it.each(tripletCases)('tripletLoss matches the loop over triplets (%o)', (o) => {
    const got = tf.tidy(() => tripletLoss(t2(x), labels, o).dataSync()[0]);
    const want = tripletRef(x, labels, {
      margin: 0.2,
      mining: 'batchHard',
      distance: 'euclidean',
      ...o,
    } as never);
    expect(relative(got, want)).toBeLessThan(1e-5);
  });

  it('batch-hard picks the farthest positive and nearest negative (hand-made)', () => {
    // 1-D points: class 0 at 0, 1, 5; class 1 at 2, 9.
    const points = [[0], [1], [5], [2], [9]];
    const y = [0, 0, 0, 1, 1];
    const pairs = tf.tidy(() => hardestPairs(t2(points), y));
    expect(Array.from(pairs.positive)).toEqual([2, 2, 0, 4, 3]);
    expect(Array.from(pairs.negative)).toEqual([3, 3, 3, 1, 2]);
    // losses: a0: 5−2+1=4, a1: 4−1+1=4, a2: 5−3+1=3, a3: 7−1+1=7, a4: 7−4+1=4 → mean 22/5.
    const got = tf.tidy(() => tripletLoss(t2(points), y, { margin: 1 }).dataSync()[0]);
    expect(got).toBeCloseTo(22 / 5, 4);
    const lonely = tf.tidy(() => hardestPairs(t2([[0], [1]]), [0, 1]));
    expect(Array.from(lonely.positive)).toEqual([-1, -1]);
  });

  it('tripletLoss is 0 (with a zero gradient) when no triplet is valid', () => {
    const z = t2(x.slice(0, 3));
    const before = tf.memory().numTensors;
    for (const mining of ['batchAll', 'batchHard'] as const) {
      const [value, g] = tf.tidy(() => {
        const r = tf.valueAndGrad((e: tf.Tensor) =>
          tripletLoss(e as tf.Tensor2D, [0, 1, 2], { mining }),
        )(z);
        return [r.value.dataSync()[0], Array.from(r.grad.dataSync())];
      });
      expect(value).toBe(0);
      expect(g.every((v) => v === 0)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    z.dispose();
  });

  it('triplet and pair gradients are finite with duplicated points; no leaks', () => {
    const dup = [...x.slice(0, 4), x[0], x[1]];
    const y = [0, 1, 0, 2, 0, 1];
    const z = t2(dup);
    const before = tf.memory().numTensors;
    for (const o of tripletCases) {
      const g = tf.grad((e: tf.Tensor) => tripletLoss(e as tf.Tensor2D, y, o))(z);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      g.dispose();
    }
    tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      contrastivePairLoss(
        p as tf.Tensor2D,
        q as tf.Tensor2D,
        y.map((v) => +(v === 0)),
      ),
    )([z, z]).forEach((g) => g.dispose());
    expect(tf.memory().numTensors).toBe(before);
    z.dispose();
  });

  it('CenterLoss: ½·mean ‖x − c_y‖², and the update rule of Wen et al. eq. 4', () => {
    const center = new CenterLoss({ classes: 4, dim: 3, alpha: 0.5 });
    const z = t2(x);
    const before = tf.memory().numTensors;
    const zeros = Array.from({ length: 4 }, () => [0, 0, 0]);
    expect(
      relative(
        tf.tidy(() => center.loss(z, labels).dataSync()[0]),
        centerLossRef(x, labels, zeros),
      ),
    ).toBeLessThan(1e-5);
    center.update(z, labels);
    // From c = 0: Δc_j = −Σ x_i / (1 + n_j), c_j = α Σ x_i / (1 + n_j).
    const want = zeros.map((_, j) => {
      const members = x.filter((_, i) => labels[i] === j);
      return [0, 1, 2].map(
        (d) => (0.5 * members.reduce((s, r) => s + r[d], 0)) / (1 + members.length),
      );
    });
    expect(relativeL2(center.centers.dataSync(), want.flat())).toBeLessThan(1e-5);
    center.update(z, labels);
    const second = want.map((c, j) => {
      const members = x.filter((_, i) => labels[i] === j);
      return c.map(
        (v, d) => v - (0.5 * members.reduce((s, r) => s + (v - r[d]), 0)) / (1 + members.length),
      );
    });
    expect(relativeL2(center.centers.dataSync(), second.flat())).toBeLessThan(1e-5);
    const got = tf.tidy(() => center.loss(z, labels).dataSync()[0]);
    expect(relative(got, centerLossRef(x, labels, second))).toBeLessThan(1e-5);
    // Gradient w.r.t. features is (x − c_y)/N and the centres get none.
    const g = tf.tidy(() =>
      tf
        .grad((e: tf.Tensor) => center.loss(e as tf.Tensor2D, labels))(z)
        .dataSync(),
    );
    const wantGrad = x.flatMap((r, i) => r.map((v, d) => (v - second[labels[i]][d]) / x.length));
    expect(relativeL2(g, wantGrad)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    center.dispose();
    z.dispose();
  });
});

describe('metric loss gradients on cpu vs central differences', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it.each(distances)('contrastivePairLoss (%s)', (distance) => {
    const o = { margin: 1.5, distance };
    const [ga, gb] = tf.tidy(() =>
      tf
        .grads((p: tf.Tensor, q: tf.Tensor) =>
          contrastivePairLoss(p as tf.Tensor2D, q as tf.Tensor2D, same, o),
        )([t2(a), t2(b)])
        .map((g) => g.dataSync()),
    );
    const f = (m: Matrix[]) => contrastivePairRef(m[0], m[1], same, o.margin, distance);
    expect(relativeL2(ga, numericGradient(f, [a, b], 0))).toBeLessThan(1e-4);
    expect(relativeL2(gb, numericGradient(f, [a, b], 1))).toBeLessThan(1e-4);
  });
  it.each(tripletCases.filter((o) => o.average !== 'all'))('tripletLoss (%o)', (o) => {
    const g = tf.tidy(() =>
      tf
        .grad((e: tf.Tensor) => tripletLoss(e as tf.Tensor2D, labels, o))(t2(x))
        .dataSync(),
    );
    const f = (m: Matrix[]) => tripletRef(m[0], labels, o as never);
    expect(relativeL2(g, numericGradient(f, [x], 0))).toBeLessThan(1e-3);
  });
});

describe('metric loss argument errors', () => {
  let z: tf.Tensor2D;
  beforeAll(() => (z = tf.zeros([3, 2])));
  afterAll(() => z.dispose());
  it('contrastivePairLoss', () => {
    const w = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => contrastivePairLoss(z, w, [1, 0, 1])).toThrow(
      /^contrastivePairLoss: a and b must have the same shape, got \[3,2\] and \[4,2\]/,
    );
    w.dispose();
    expect(() => contrastivePairLoss(z, z, [1, 2, 0])).toThrow(
      /^contrastivePairLoss: same\[1\] must be an integer in \[0, 2\), got 2/,
    );
    expect(() => contrastivePairLoss(z, z, [1, 0])).toThrow(
      /^contrastivePairLoss: same must have length 3/,
    );
    expect(() => contrastivePairLoss(z, z, [1, 0, 1], { margin: 0 })).toThrow(
      /^contrastivePairLoss: options\.margin must be a finite number > 0/,
    );
    expect(() => contrastivePairLoss(z, z, [1, 0, 1], { distance: 'l1' as never })).toThrow(
      /^contrastivePairLoss: options\.distance must be one of euclidean \| squaredEuclidean \| cosine, got 'l1'/,
    );
  });
  it('tripletLoss and hardestPairs', () => {
    expect(() => tripletLoss(z, [0, 1, -1])).toThrow(
      /^tripletLoss: labels\[2\] must be an integer >= 0, got -1/,
    );
    expect(() => tripletLoss(z, [0, 1, 0.5])).toThrow(
      /^tripletLoss: labels\[2\] must be an integer/,
    );
    expect(() => tripletLoss(z, [0, 1, 1], { margin: -1 })).toThrow(
      /^tripletLoss: options\.margin must be a finite number > 0/,
    );
    expect(() => tripletLoss(z, [0, 1, 1], { mining: 'semiHard' as never })).toThrow(
      /^tripletLoss: options\.mining must be 'batchAll' \| 'batchHard', got 'semiHard'/,
    );
    expect(() => tripletLoss(z, [0, 1, 1], { average: 'sum' as never })).toThrow(
      /^tripletLoss: options\.average/,
    );
    expect(() => tripletLoss(tf.zeros([3]) as unknown as tf.Tensor2D, [0, 1, 1])).toThrow(
      /^tripletLoss: embeddings must have rank 2/,
    );
    expect(() => hardestPairs(z, [0, 1])).toThrow(/^hardestPairs: labels must have length 3/);
  });
  it('CenterLoss', () => {
    expect(() => new CenterLoss({ classes: 0, dim: 2 })).toThrow(
      /^CenterLoss: options\.classes must be an integer >= 1/,
    );
    expect(() => new CenterLoss({ classes: 2, dim: 2, alpha: 1.5 })).toThrow(
      /^CenterLoss: options\.alpha must be in \(0, 1\], got 1\.5/,
    );
    expect(() => new CenterLoss({ classes: 2, dim: 2, alpha: 0 })).toThrow(
      /^CenterLoss: options\.alpha must be a finite number > 0/,
    );
    const c = new CenterLoss({ classes: 2, dim: 3 });
    expect(() => c.loss(z, [0, 1, 0])).toThrow(
      /^CenterLoss\.loss: features must have dim 3, got shape \[3,2\]/,
    );
    const f = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => c.update(f, [0, 1, 2])).toThrow(
      /^CenterLoss\.update: labels\[2\] must be an integer in \[0, 2\), got 2/,
    );
    f.dispose();
    c.dispose();
  });
});
