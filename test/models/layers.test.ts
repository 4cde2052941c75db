import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import {
  createBatchNorm,
  createDepthwiseConv,
  createDropout,
  createPRelu,
} from '../../src/models/layers';
import { ParamStore } from '../../src/models/params';
import { Rng } from '../../src/util/random';
import { relativeL2, runOn, seededValues } from '../helpers/compare';

const train = { training: true };
const infer = { training: false };

describe('model layers', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('PReLU: max(x,0) + α·min(x,0), α initialised to 0.25', () => {
    const store = new ParamStore(new Rng(0));
    const prelu = createPRelu(store, 'act', 2);
    const y = tf.tidy(() =>
      prelu.apply(
        tf.tensor2d([
          [-4, 3],
          [2, -8],
        ]),
        train,
      ),
    );
    expect(Array.from(y.dataSync())).toEqual([-1, 3, 2, -2]);
    expect(Object.keys(store.trainable())).toEqual(['act/alpha']);
    y.dispose();
    store.dispose();
  });

  it('PReLU gradients on wasm equal the cpu backend and dα = Σ dy·min(x,0)', async () => {
    const shape = [2, 3, 3, 4];
    const grads = () => {
      const store = new ParamStore(new Rng(0));
      const prelu = createPRelu(store, 'act', 4);
      const x = tf.tensor(seededValues(72, 1), shape);
      const dy = tf.tensor(seededValues(72, 2), shape);
      const alpha = store.get('act/alpha');
      const f = (xi: tf.Tensor) => tf.sum(tf.mul(prelu.apply(xi, train), dy)) as tf.Scalar;
      const dx = tf.grad(f)(x);
      const { grads: g } = tf.variableGrads(() => f(x), [alpha]);
      const out = [dx, g[alpha.name]];
      store.dispose();
      return out;
    };
    const wasm = await runOn('wasm', grads);
    const cpu = await runOn('cpu', grads);
    await tf.setBackend('wasm');
    for (let i = 0; i < 2; i++)
      expect(relativeL2(wasm[i].values, cpu[i].values)).toBeLessThan(1e-6);
    const x = seededValues(72, 1);
    const dy = seededValues(72, 2);
    const expected = [0, 0, 0, 0];
    for (let i = 0; i < 72; i++) expected[i % 4] += dy[i] * Math.min(x[i], 0);
    expected.forEach((e, c) => expect(wasm[1].values[c]).toBeCloseTo(e, 5));
  });

  it('dropout: identity at inference, inverted scaling in training, seeded', () => {
    expect(() => createDropout(1, 0)).toThrow(/createDropout: rate must be in \[0, 1\), got 1/);
    expect(() => createDropout(-0.1, 0)).toThrow(/rate must be in \[0, 1\)/);
    const x = tf.ones([40, 50]);
    const a = createDropout(0.3, 'seed');
    expect(a.apply(x, infer)).toBe(x);
    expect(createDropout(0, 'seed').apply(x, train)).toBe(x);
    const [ya, yb, ya2] = tf.tidy(() => {
      const b = createDropout(0.3, 'seed');
      return [a.apply(x, train), b.apply(x, train), a.apply(x, train)];
    });
    const values = ya.dataSync();
    const zeros = values.filter((v) => v === 0).length / values.length;
    expect(zeros).toBeGreaterThan(0.25);
    expect(zeros).toBeLessThan(0.35);
    for (const v of values) if (v !== 0) expect(v).toBeCloseTo(1 / 0.7, 5);
    expect(Array.from(yb.dataSync())).toEqual(Array.from(values)); // same seed, same masks
    expect(Array.from(ya2.dataSync())).not.toEqual(Array.from(values)); // a fresh mask per call
    tf.dispose([x, ya, yb, ya2]);
  });

  it('depthwise conv: He std sqrt(2/k²), PyTorch padding, valid global (GDConv) = Σ x·w', () => {
    const store = new ParamStore(new Rng(0));
    const dw = createDepthwiseConv(store, 'dw', 64, 3, 2);
    const w = store.get('dw/depthwise_kernel');
    expect(w.shape).toEqual([3, 3, 64, 1]);
    const std = tf.tidy(() => Math.sqrt(tf.moments(w).variance.dataSync()[0]));
    expect(std).toBeGreaterThan(0.8 * Math.sqrt(2 / 9));
    expect(std).toBeLessThan(1.2 * Math.sqrt(2 / 9));
    const gd = createDepthwiseConv(store, 'gd', 2, 4, 1, 'valid');
    const xv = seededValues(4 * 4 * 2, 5);
    const [strided, global] = tf.tidy(() => {
      const x = tf.tensor4d(xv, [1, 4, 4, 2]);
      return [dw.apply(tf.zeros([2, 16, 16, 64]), train), gd.apply(x, train)];
    });
    expect(strided.shape).toEqual([2, 8, 8, 64]);
    expect(global.shape).toEqual([1, 1, 1, 2]);
    const wv = store.get('gd/depthwise_kernel').dataSync();
    const expected = [0, 0];
    for (let i = 0; i < 32; i++) expected[i % 2] += xv[i] * wv[i];
    expected.forEach((e, c) => expect(global.dataSync()[c]).toBeCloseTo(e, 4));
    tf.dispose([strided, global]);
    store.dispose();
  });

  it('batch norm with trainableScale: false keeps γ out of the trainable variables', () => {
    const store = new ParamStore(new Rng(0));
    createBatchNorm(store, 'bn', 3, 1e-5, { trainableScale: false });
    expect(Object.keys(store.trainable())).toEqual(['bn/beta']);
    expect(Object.keys(store.all())).toContain('bn/gamma');
    store.dispose();
  });
});
