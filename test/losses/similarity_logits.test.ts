import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import {
  contrastiveLoss,
  cosineLogits,
  l2Normalize,
  labelPositives,
  pairedViewLogits,
  queueLogits,
} from '../../src/losses/similarity_logits';
import { detached, stopGradient } from '../../src/losses/stop_gradient';
import { relativeL2 } from '../helpers/compare';
import { normalize, randomMatrix } from './reference';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the contrastive core (wasm)', () => {
  it('l2Normalize gives unit rows and keeps zero rows at zero', () => {
    const rows = tf.tidy(
      () =>
        l2Normalize(
          tf.tensor2d([
            [3, 4],
            [0, 0],
          ]),
        ).arraySync() as number[][],
    );
    expect(rows[0][0]).toBeCloseTo(0.6, 6);
    expect(rows[0][1]).toBeCloseTo(0.8, 6);
    expect(rows[1]).toEqual([0, 0]);
  });

  it('cosineLogits is cos/τ, [N, M]', () => {
    const [a, b] = [randomMatrix(3, 4, 1), randomMatrix(5, 4, 2)];
    const got = tf.tidy(() => cosineLogits(tf.tensor2d(a), tf.tensor2d(b), 0.5));
    expect(got.shape).toEqual([3, 5]);
    const expected = a.flatMap((x) =>
      b.map((y) => normalize(x).reduce((s, v, i) => s + v * normalize(y)[i], 0) / 0.5),
    );
    expect(relativeL2(got.dataSync(), expected)).toBeLessThan(1e-6);
    got.dispose();
  });

  it('builds the NT-Xent, queue and label masks', () => {
    tf.tidy(() => {
      const [q, k] = [
        tf.randomNormal([2, 3], 0, 1, 'float32', 1),
        tf.randomNormal([2, 3], 0, 1, 'float32', 2),
      ] as tf.Tensor2D[];
      const pair = pairedViewLogits(q, k, 1);
      expect(pair.logits.shape).toEqual([4, 4]);
      expect(pair.positives.arraySync()).toEqual([
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [1, 0, 0, 0],
        [0, 1, 0, 0],
      ]);
      expect(pair.denominator.arraySync()).toEqual([
        [0, 1, 1, 1],
        [1, 0, 1, 1],
        [1, 1, 0, 1],
        [1, 1, 1, 0],
      ]);
      const moco = queueLogits(q, k, tf.ones([5, 3]) as tf.Tensor2D, 1);
      expect(moco.logits.shape).toEqual([2, 6]);
      expect(moco.positives.sum(1).arraySync()).toEqual([1, 1]);
      expect(labelPositives(tf.tensor1d([7, 7], 'int32')).arraySync()).toEqual([
        [0, 1, 1, 1],
        [1, 0, 1, 1],
        [1, 1, 0, 1],
        [1, 1, 1, 0],
      ]);
    });
  });

  it('contrastiveLoss: masked-out columns do not count, positives average', () => {
    const loss = tf.tidy(
      () =>
        contrastiveLoss({
          logits: tf.tensor2d([[1, 2, 100]]),
          positives: tf.tensor2d([[1, 1, 0]]),
          denominator: tf.tensor2d([[1, 1, 0]]),
        }).dataSync()[0],
    );
    expect(loss).toBeCloseTo(-1.5 + Math.log(Math.exp(1) + Math.exp(2)), 5);
  });

  it('stopGradient is the identity with zero gradient; detached ops are off the tape', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([1, 2, 3]);
      expect(stopGradient(x).arraySync()).toEqual([1, 2, 3]);
      expect(
        tf
          .grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x)
          .arraySync(),
      ).toEqual([1, 2, 3]);
      // TopK has no gradient; through `detached` it may still depend on x
      const g = tf.grad((v: tf.Tensor) =>
        tf.sum(
          tf.mul(
            v,
            detached(() => tf.topk(v, 3).values),
          ),
        ),
      )(x);
      expect(g.arraySync()).toEqual([3, 2, 1]);
    });
  });

  it('leaks no tensors', () => {
    const [q, k] = [tf.ones([3, 2]), tf.ones([3, 2])] as tf.Tensor2D[];
    const before = tf.memory().numTensors;
    const pair = pairedViewLogits(q, k, 0.5);
    contrastiveLoss(pair).dispose();
    tf.dispose(pair);
    stopGradient(q).dispose();
    detached(() => tf.add(q, 1)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, k]);
  });
});
