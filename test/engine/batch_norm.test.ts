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

describe('batchNormTrain (closed-form backward)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matches the stock batch norm gradients on cpu (≤ 1e-5)', async () => {
    const ref = await runOn('cpu', stockGrads);
    const ours = await runOn('cpu', oursGrads);
    for (let i = 0; i < 3; i++) expect(relativeL2(ours[i].values, ref[i].values)).toBeLessThan(1e-5);
  });

  it('gives the same gradients on wasm as on cpu', async () => {
    const ref = await runOn('cpu', stockGrads);
    const ours = await runOn('wasm', oursGrads);
    for (let i = 0; i < 3; i++) expect(relativeL2(ours[i].values, ref[i].values)).toBeLessThan(1e-5);
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
    const y = batchNormInfer(tf.tensor1d([3]), tf.tensor1d([2]), tf.tensor1d([1]), tf.tensor1d([1]), tf.tensor1d([4]), 0);
    expect(y.dataSync()[0]).toBeCloseTo(2 * (3 - 1) / 2 + 1, 6);
  });

  it('rejects γ of the wrong size, naming the function', async () => {
    expect(() => batchNormTrain(tf.zeros([2, 3]), tf.ones([2]), tf.zeros([3]))).toThrow(/batchNormTrain: gamma and beta must have 3/);
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(oursGrads));
    expect(tf.memory().numTensors).toBe(before);
  });
});
