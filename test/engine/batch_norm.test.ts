import { initBackend } from '../../src/engine/backend';
import { batchNormInfer, batchNormTrain } from '../../src/engine/batch_norm';
import { tf } from '../../src/engine/tf';
import { relativeL2, runOn, seededValues } from '../helpers/compare';

const shape = [3, 5, 4, 6];
const channels = 6;

/** Reference: tfjs's stock moments + batchNorm, differentiated by tfjs's own gradients. */
function stockGrads() {
  const x = tf.tensor(seededValues(360, 1), shape);
  const gamma = tf.tensor(seededValues(channels, 2)).add(1.5);
  const beta = tf.tensor(seededValues(channels, 3));
  const dy = tf.tensor(seededValues(360, 4), shape);
  const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(xi, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(xi, mean, variance, b, g, 1e-5), dy));
  };
  return tf.grads(f)([x, gamma, beta]);
}

function oursGrads() {
  const x = tf.tensor(seededValues(360, 1), shape);
  const gamma = tf.tensor(seededValues(channels, 2)).add(1.5);
  const beta = tf.tensor(seededValues(channels, 3));
  const dy = tf.tensor(seededValues(360, 4), shape);
  const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { y, mean, variance } = batchNormTrain(xi, g, b, 1e-5);
    mean.dispose();
    variance.dispose();
    return tf.sum(tf.mul(y, dy));
  };
  return tf.grads(f)([x, gamma, beta]);
}

/** Shapes with an odd channel count, rows ≠ channels, and a large mean (conditioning). */
const bigShape = [2, 7, 5, 33];
const bigChannels = 33;

/**
 * y, batch statistics and the gradients of Σ y·dy for x, γ, β. `mode`: 'fused' uses
 * batchNormTrain's relu option, 'separate' batchNormTrain + tf.relu, 'none' no relu.
 */
function bnCase(mode: 'fused' | 'separate' | 'none', offset = 0): tf.Tensor[] {
  const size = bigShape.reduce((a, b) => a * b, 1);
  const x = tf.add(tf.tensor(seededValues(size, 11), bigShape), offset);
  const gamma = tf.tensor(seededValues(bigChannels, 12)).add(0.5);
  const beta = tf.tensor(seededValues(bigChannels, 13)).mul(0.5);
  const dy = tf.tensor(seededValues(size, 14), bigShape);
  const run = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const r = batchNormTrain(xi, g, b, 1e-5, { relu: mode === 'fused' });
    return { ...r, y: mode === 'separate' ? tf.relu(r.y) : r.y };
  };
  const { y, mean, variance } = run(x, gamma, beta);
  const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const r = run(xi, g, b);
    r.mean.dispose();
    r.variance.dispose();
    return tf.sum(tf.mul(r.y, dy));
  })([x, gamma, beta]);
  return [y, mean, variance, ...grads];
}

function numDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

describe('batchNormTrain (closed-form backward)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matches the stock batch norm gradients on cpu (≤ 1e-5)', async () => {
    const ref = await runOn('cpu', stockGrads);
    const ours = await runOn('cpu', oursGrads);
    for (let i = 0; i < 3; i++)
      expect(relativeL2(ours[i].values, ref[i].values)).toBeLessThan(1e-5);
  });

  it('gives the same gradients on wasm as on cpu', async () => {
    const ref = await runOn('cpu', stockGrads);
    const ours = await runOn('wasm', oursGrads);
    for (let i = 0; i < 3; i++)
      expect(relativeL2(ours[i].values, ref[i].values)).toBeLessThan(1e-5);
  });

  it('normalises each channel to mean β and std γ, and reports the batch statistics', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(seededValues(360, 5), shape).mul(3).add(2);
    const gamma = tf.fill([channels], 2);
    const beta = tf.fill([channels], 0.5);
    const { y, mean, variance } = batchNormTrain(x, gamma, beta, 0);
    const m = tf.moments(y, [0, 1, 2]);
    expect(Array.from(m.mean.dataSync()).every((v) => Math.abs(v - 0.5) < 1e-5)).toBe(true);
    expect(Array.from(m.variance.dataSync()).every((v) => Math.abs(v - 4) < 1e-3)).toBe(true);
    const ref = tf.moments(x, [0, 1, 2]);
    expect(relativeL2(mean.dataSync(), ref.mean.dataSync())).toBeLessThan(1e-6);
    expect(relativeL2(variance.dataSync(), ref.variance.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, gamma, beta, y, mean, variance, m.mean, m.variance, ref.mean, ref.variance]);
  });

  it('inference mode uses running statistics', async () => {
    await tf.setBackend('wasm');
    const y = batchNormInfer(
      tf.tensor1d([3]),
      tf.tensor1d([2]),
      tf.tensor1d([1]),
      tf.tensor1d([1]),
      tf.tensor1d([4]),
      0,
    );
    expect(y.dataSync()[0]).toBeCloseTo((2 * (3 - 1)) / 2 + 1, 6);
  });

  it('rejects γ of the wrong size, naming the function', async () => {
    expect(() => batchNormTrain(tf.zeros([2, 3]), tf.ones([2]), tf.zeros([3]))).toThrow(
      /batchNormTrain: gamma and beta must have 3/,
    );
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(oursGrads));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('batchNormTrain on wasm (heap kernels)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([0, 40])(
    'matches the cpu op path: y, statistics and gradients (x offset %d)',
    async (offset) => {
      const ref = await runOn('cpu', () => bnCase('none', offset));
      const ours = await runOn('wasm', () => bnCase('none', offset));
      for (let i = 0; i < ref.length; i++) {
        expect(ours[i].shape).toEqual(ref[i].shape);
        expect(relativeL2(ours[i].values, ref[i].values)).toBeLessThan(1e-5);
      }
    },
  );

  it('fused relu: y and gradients equal batchNormTrain + tf.relu (wasm and cpu)', async () => {
    const ref = await runOn('cpu', () => bnCase('separate'));
    const separate = await runOn('wasm', () => bnCase('separate'));
    const fused = await runOn('wasm', () => bnCase('fused'));
    const fusedCpu = await runOn('cpu', () => bnCase('fused'));
    for (let i = 0; i < ref.length; i++) {
      expect(relativeL2(fused[i].values, separate[i].values)).toBeLessThan(1e-6);
      expect(relativeL2(fused[i].values, ref[i].values)).toBeLessThan(1e-5);
      expect(relativeL2(fusedCpu[i].values, ref[i].values)).toBeLessThan(1e-6);
    }
    expect(fused[0].values.some((v) => v === 0)).toBe(true);
    expect(fused[0].values.every((v) => v >= 0)).toBe(true);
  });

  it('fused residual + relu: y and gradients (incl. the residual) equal relu(BN(x) + r)', async () => {
    const both = (fused: boolean, relu: boolean) => () => {
      const size = bigShape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(seededValues(size, 21), bigShape);
      const r = tf.tensor(seededValues(size, 22), bigShape);
      const gamma = tf.tensor(seededValues(bigChannels, 23)).add(0.5);
      const beta = tf.tensor(seededValues(bigChannels, 24)).mul(0.5);
      const dy = tf.tensor(seededValues(size, 25), bigShape);
      const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, ri: tf.Tensor) => {
        const out = batchNormTrain(xi, g, b, 1e-5, fused ? { relu, residual: ri } : {});
        out.mean.dispose();
        out.variance.dispose();
        const y = fused ? out.y : tf.add(out.y, ri);
        return tf.sum(tf.mul(fused || !relu ? y : tf.relu(y), dy));
      };
      return [f(x, gamma, beta, r), ...tf.grads(f)([x, gamma, beta, r])];
    };
    for (const relu of [true, false]) {
      const ref = await runOn('cpu', both(false, relu));
      const wasm = await runOn('wasm', both(true, relu));
      const cpu = await runOn('cpu', both(true, relu));
      for (let i = 0; i < ref.length; i++) {
        expect(relativeL2(wasm[i].values, ref[i].values)).toBeLessThan(1e-5);
        expect(relativeL2(cpu[i].values, ref[i].values)).toBeLessThan(1e-6);
      }
    }
    await tf.setBackend('wasm');
    const [tensors, ids] = [tf.memory().numTensors, numDataIds()];
    tf.dispose(tf.tidy(both(true, true)));
    expect([tf.memory().numTensors, numDataIds()]).toEqual([tensors, ids]);
    expect(() =>
      batchNormTrain(tf.zeros([2, 3]), tf.ones([3]), tf.zeros([3]), 1e-5, {
        residual: tf.zeros([3, 2]),
      }),
    ).toThrow(/batchNormTrain: options.residual must have x's shape \[2,3\], got \[3,2\]/);
  });

  it('hand-computed case: two rows per channel normalise to ±γ + β', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([
      [1, 10],
      [3, 30],
    ]);
    const { y, mean, variance } = batchNormTrain(x, tf.tensor1d([2, 1]), tf.tensor1d([0, -5]), 0, {
      relu: true,
    });
    expect(Array.from(y.dataSync())).toEqual([0, 0, 2, 0]);
    expect(Array.from(mean.dataSync())).toEqual([2, 20]);
    expect(Array.from(variance.dataSync())).toEqual([1, 100]);
    tf.dispose([x, y, mean, variance]);
  });

  it('kernels name themselves and the argument in errors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const run = (name: string, inputs: Record<string, tf.Tensor>, relu: boolean) => () =>
        tf.engine().runKernel(name, inputs, { epsilon: 1e-5, relu });
      const x = tf.zeros([4, 3]);
      const [ones, zeros] = [tf.ones([3]), tf.zeros([3])];
      expect(run('FaceclrBatchNormTrain', { x, gamma: tf.ones([2]), beta: zeros }, false)).toThrow(
        /FaceclrBatchNormTrain: gamma must be float32 with 3 elements/,
      );
      const grad = { dy: x, x, gamma: ones, mean: zeros, variance: ones };
      expect(run('FaceclrBatchNormTrainGrad', grad, true)).toThrow(
        /FaceclrBatchNormTrainGrad: y is required when relu is set/,
      );
      expect(run('FaceclrBatchNormTrainGrad', { ...grad, dy: tf.zeros([3, 4]) }, false)).toThrow(
        /FaceclrBatchNormTrainGrad: dy must have x's shape \[4,3\], got \[3,4\]/,
      );
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['none', 'fused'] as const)(
    'leaks neither tensors nor wasm data ids (%s)',
    async (mode) => {
      await tf.setBackend('wasm');
      tf.dispose(tf.tidy(() => bnCase(mode)));
      const tensors = tf.memory().numTensors;
      const ids = numDataIds();
      for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(() => bnCase(mode)));
      expect(tf.memory().numTensors).toBe(tensors);
      expect(numDataIds()).toBe(ids);
    },
  );
});
