import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { cosineMomentum, momentumAt, updateMomentum } from '../../src/frameworks/momentum';
import { TargetNetwork } from '../../src/frameworks/target_network';
import { MlpHead } from '../../src/models/heads';
import { syntheticImages, tinyBackbone } from './fit';

beforeAll(async () => {
  await initBackend('wasm');
});

/** What float32 arithmetic gives for τ·t + (1 − τ)·o, operation by operation. */
function emaReference(target: Float32Array, online: Float32Array, tau: number): Float32Array {
  const [a, b] = [Math.fround(tau), Math.fround(1 - tau)];
  return target.map((t, i) => Math.fround(Math.fround(t * a) + Math.fround(online[i] * b)));
}

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 100 + i * 1.7) * (1 + (i % 5)));

describe('updateMomentum', () => {
  it.each([0.99, 0.5, 0.996])('target ← τ·target + (1 − τ)·online exactly (τ = %s)', (tau) => {
    const online = [
      tf.variable(tf.tensor(values(12, 1), [3, 4])),
      tf.variable(tf.tensor(values(5, 2))),
    ];
    const target = [
      tf.variable(tf.tensor(values(12, 3), [3, 4])),
      tf.variable(tf.tensor(values(5, 4))),
    ];
    const expected = target.map((t, i) =>
      emaReference(t.dataSync() as Float32Array, online[i].dataSync() as Float32Array, tau),
    );
    const onlineBefore = online.map((v) => Float32Array.from(v.dataSync()));
    const before = tf.memory().numTensors;
    updateMomentum(online, target, tau);
    expect(tf.memory().numTensors).toBe(before);
    target.forEach((t, i) => expect(t.dataSync()).toEqual(expected[i]));
    online.forEach((v, i) => expect(v.dataSync()).toEqual(onlineBefore[i])); // online untouched
    tf.dispose([...online, ...target]);
  });

  it('takes [online, target] pairs; τ = 1 is a no-op and τ = 0 copies', () => {
    const [o, t] = [tf.variable(tf.tensor(values(6, 5))), tf.variable(tf.tensor(values(6, 6)))];
    const t0 = Float32Array.from(t.dataSync());
    updateMomentum([[o, t]], 1);
    expect(t.dataSync()).toEqual(t0);
    updateMomentum([[o, t]], 0);
    expect(t.dataSync()).toEqual(o.dataSync());
    tf.dispose([o, t]);
  });

  it('names the argument in its errors', () => {
    const [a, b] = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([3]))];
    expect(() => updateMomentum([a], [a], 1.5)).toThrow(
      /updateMomentum: tau must be a number in \[0, 1\], got 1.5/,
    );
    expect(() => updateMomentum([a, b], [a], 0.9)).toThrow(
      /updateMomentum: online and target must have the same length, got 2 and 1/,
    );
    expect(() => updateMomentum([[a, b]], 0.9)).toThrow(/updateMomentum: pair 0 shapes differ/);
    expect(() => updateMomentum([[a, a]], 0.9)).toThrow(
      /updateMomentum: pair 0 .* is its own target/,
    );
    tf.dispose([a, b]);
  });
});

describe('momentumAt', () => {
  it('follows the cosine schedule from τ_base to 1, or stays constant', () => {
    const cosine = { base: 0.99, schedule: 'cosine' } as const;
    expect(momentumAt(0, 100, cosine)).toBeCloseTo(0.99, 12);
    expect(momentumAt(50, 100, cosine)).toBeCloseTo(0.995, 12);
    expect(momentumAt(100, 100, cosine)).toBe(1);
    expect(momentumAt(30, 100, cosine)).toBe(
      cosineMomentum(30, { baseTau: 0.99, totalSteps: 100 }),
    );
    expect(momentumAt(70, 100, { base: 0.9, schedule: 'constant' })).toBe(0.9);
  });
});

describe('TargetNetwork', () => {
  const setup = () => {
    const backbone = tinyBackbone(11);
    const head = new MlpHead(
      { inFeatures: 16, hiddenFeatures: 16, outFeatures: 8, batchNorm: true },
      11,
      'projector',
    );
    const target = new TargetNetwork([backbone, head]);
    const forward = (x: tf.Tensor4D) =>
      head.apply(backbone.apply(x, { training: true }), { training: true });
    return {
      backbone,
      head,
      target,
      forward,
      dispose: () => [target, head, backbone].forEach((m) => m.dispose()),
    };
  };

  it('starts equal to the online network, runs detached, restores the online values', () => {
    const { backbone, target, forward, dispose } = setup();
    const images = syntheticImages(4, 16);
    const onlineKernel = backbone.params.get('stem/conv/kernel');
    const kernelBefore = Float32Array.from(onlineKernel.dataSync());
    const meanBefore = Float32Array.from(backbone.params.get('stem/bn/moving_mean').dataSync());
    const online = tf.tidy(() => forward(images));
    const fromTarget = target.run(() => forward(images));
    expect(fromTarget.dataSync()).toEqual(online.dataSync());
    expect(onlineKernel.dataSync()).toEqual(kernelBefore);
    // both forwards updated running statistics: the online one its own, the target one the target's
    const targetMean = target.variables()['target/stem/bn/moving_mean'];
    expect(targetMean.dataSync()).toEqual(backbone.params.get('stem/bn/moving_mean').dataSync());
    expect(targetMean.dataSync()).not.toEqual(meanBefore);
    // nothing flows back through the target: only the online forward has gradients
    const vars = Object.values(backbone.params.trainable());
    expect(() => tf.variableGrads(() => tf.sum(target.run(() => forward(images))), vars)).toThrow(
      /Cannot find a connection/,
    );
    tf.dispose([images, online, fromTarget]);
    dispose();
  });

  it('pairs only trainable variables and diverges from the online network after an update', () => {
    const { backbone, head, target, forward, dispose } = setup();
    const pairs = target.momentumPairs();
    const trainable = { ...backbone.params.trainable(), ...head.params.trainable() };
    expect(pairs.map(([o]) => o.name).sort()).toEqual(Object.keys(trainable).sort());
    pairs.forEach(([o, t]) => expect(t.name).toBe(`target/${o.name}`));
    expect(pairs.every(([, t]) => !t.trainable)).toBe(true);
    const kernel = backbone.params.get('stem/conv/kernel');
    tf.tidy(() => kernel.assign(tf.add(kernel, 0.5)));
    const images = syntheticImages(4, 16);
    const [a, b] = [tf.tidy(() => forward(images)), target.run(() => forward(images))];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([images, a, b]);
    const before = tf.memory().numTensors;
    const count = Object.keys(target.variables()).length;
    dispose();
    expect(before - tf.memory().numTensors).toBeGreaterThanOrEqual(count);
    expect(() => target.run(() => tf.zeros([1]))).toThrow(
      /TargetNetwork\.run: the target network has been disposed/,
    );
  });
});
