import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { relativeL2, runOn, seededValues } from '../../helpers/compare';

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

function seeded4d(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

async function expectSame(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const wasm = await runOn('wasm', fn);
  const cpu = await runOn('cpu', fn);
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    expect(wasm[i].shape).toEqual(cpu[i].shape);
    const error = relativeL2(wasm[i].values, cpu[i].values);
    expect(error).toBeLessThanOrEqual(1e-5);
    worst = Math.max(worst, error);
  }
  return worst;
}

/**
 * A small face-embedding-like net: depthwise conv, batchNorm, prelu, pools, a dense layer, l2
 * normalisation, an ArcFace-like gather of class weights, logSoftmax over oneHot labels.
 */
function trainingStepGrads(): tf.Tensor[] {
  const x = seeded4d([3, 8, 7, 4], 1);
  const params = {
    dw: seeded4d([3, 3, 4, 2], 2),
    gamma: tf.add(seeded([8], 3), 1.5),
    beta: seeded([8], 4),
    alpha: tf.mul(seeded([8], 5), 0.25),
    dense: tf.mul(seeded([8 * 2 * 2 + 8, 6], 6), 0.3),
    classes: seeded([5, 6], 7),
  };
  const labels = tf.tensor1d([4, 0, 2], 'int32');
  const loss = (p: typeof params) => {
    let h = tf.depthwiseConv2d(x as tf.Tensor4D, p.dw as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    h = tf.batchNorm(h, mean, variance, p.beta, p.gamma, 1e-3) as tf.Tensor4D;
    h = tf.prelu(h, p.alpha) as tf.Tensor4D;
    const a = tf.slice(tf.reshape(tf.maxPool(h, 2, 2, 'same'), [3, -1]), [0, 0], [3, 32]);
    const b = tf.mean(tf.avgPool(h, 3, 2, 'valid'), [1, 2]);
    const feats = tf.concat([a, b], 1);
    const emb = tf.matMul(feats, p.dense);
    const norm = tf.div(emb, tf.sqrt(tf.maximum(tf.sum(tf.square(emb), 1, true), 1e-12)));
    const w = tf.slice(
      tf.gather(p.classes, tf.tensor1d([0, 1, 2, 3, 4, 2], 'int32')),
      [0, 0],
      [5, 6],
    );
    const cos = tf.matMul(norm, w, false, true);
    const oneHot = tf.oneHot(labels, 5);
    const margin = tf.where(tf.greater(oneHot, 0), tf.sub(cos, 0.2), cos);
    return tf.neg(
      tf.mean(tf.sum(tf.mul(tf.logSoftmax(tf.mul(margin, 8)), oneHot), 1)),
    ) as tf.Scalar;
  };
  const names = Object.keys(params) as (keyof typeof params)[];
  const grads = tf.grads((...vals: tf.Tensor[]) =>
    loss(Object.fromEntries(names.map((n, i) => [n, vals[i]])) as typeof params),
  );
  return grads(names.map((n) => params[n]));
}

describe('misc training kernels on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('UnsortedSegmentSum matches cpu for 1-D and 2-D ids, dropping out-of-range ids', async () => {
    await expectSame(() =>
      tf.unsortedSegmentSum(seeded([6, 3, 2], 9), tf.tensor1d([2, 0, 2, -1, 7, 3], 'int32'), 4),
    );
  });

  it('UnsortedSegmentSum takes 2-D ids (which the cpu kernel rejects)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
    const out = tf.unsortedSegmentSum(
      x,
      tf.tensor2d(
        [
          [1, 1, 0],
          [2, 0, 1],
        ],
        [2, 3],
        'int32',
      ) as unknown as tf.Tensor1D,
      3,
    );
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.dataSync())).toEqual([5 + 9, 6 + 10, 1 + 3 + 11, 2 + 4 + 12, 7, 8]);
    tf.dispose([x, out]);
  });

  it('UnsortedSegmentSum sums int32 values exactly', async () => {
    await tf.setBackend('wasm');
    const out = tf.unsortedSegmentSum(
      tf.tensor1d([1, 2, 3, 4], 'int32'),
      tf.tensor1d([1, 0, 1, 1], 'int32'),
      3,
    );
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([2, 8, 0]);
    out.dispose();
  });

  it('gather gradients (axis 0, axis 1) match cpu', async () => {
    const params = () => seeded([4, 5, 3], 12);
    await expectSame(() =>
      tf.grad((p: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(p, tf.tensor1d([3, 1, 3, 0], 'int32')), seeded([4, 5, 3], 13))),
      )(params()),
    );
    await expectSame(() =>
      tf.grad((p: tf.Tensor) =>
        tf.sum(tf.square(tf.gather(p, tf.tensor1d([4, 4, 2], 'int32'), 1))),
      )(params()),
    );
  });

  it.each([
    [2, 2, 'same'],
    [3, 2, 'same'],
    [3, 1, 'same'],
    [2, 2, 'valid'],
    [3, 2, 'valid'],
  ] as const)('MaxPoolGrad matches cpu on negative inputs: k%i s%i %s', async (k, s, pad) => {
    const grad = () => {
      const x = tf.sub(seeded4d([2, 7, 6, 3], 14), 0.6) as tf.Tensor4D; // mostly negative windows
      const y = tf.maxPool(x, k, s, pad);
      const r = seeded(y.shape, 15);
      return tf.grad((xi: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(xi as tf.Tensor4D, k, s, pad), r)),
      )(x);
    };
    await expectSame(grad);
  });

  it('a small training step has the same gradients on wasm and cpu', async () => {
    const worst = await expectSame(trainingStepGrads);
    process.stdout.write(
      `training-step gradients: max relative L2 error ${worst.toExponential(2)}\n`,
    );
  });

  it('does not leak tensors or wasm data across training steps', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    tf.dispose(tf.tidy(trainingStepGrads));
    const tensors = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(trainingStepGrads));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
  });

  it('UnsortedSegmentSum names the kernel and argument in errors', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([3, 2]);
    const ids = tf.tensor1d([0, 1, 2], 'int32');
    expect(() =>
      tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: -1 }),
    ).toThrow(/UnsortedSegmentSum: numSegments must be a non-negative integer, got -1/);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'UnsortedSegmentSum',
          { x, segmentIds: tf.tensor1d([0, 1], 'int32') },
          { numSegments: 2 },
        ),
    ).toThrow(/UnsortedSegmentSum: segmentIds shape \[2\] must prefix x shape \[3,2\]/);
    tf.dispose([x, ids]);
  });
});
