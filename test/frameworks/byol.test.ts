import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { ByolFramework } from '../../src/frameworks/byol';
import { momentumAt } from '../../src/frameworks/momentum';
import {
  TINY_HEAD,
  disposeLater,
  expectHealthyFit,
  fit,
  noisyView,
  syntheticImages,
  tinyBackbone,
} from './fit';

const [B, S] = [8, 16];

beforeAll(async () => {
  await initBackend('wasm');
});

const twoViews = (images: tf.Tensor4D) => (step: number) => [
  noisyView(images, 2 * step + 1),
  noisyView(images, 2 * step + 2),
];

describe('ByolFramework', () => {
  it('smoke fit: loss falls, no collapse, no tensor growth', () => {
    const images = syntheticImages(B, S);
    const fw = new ByolFramework(
      { projector: TINY_HEAD, predictor: { hiddenFeatures: 32 } },
      { backbone: tinyBackbone(1), seed: 1 },
    );
    disposeLater(fw);
    expectHealthyFit('byol', fw, images, twoViews(images));
    images.dispose();
  });

  it('the loss is 2 − 2cos per direction, in [0, 8]', () => {
    const images = syntheticImages(B, S);
    const fw = new ByolFramework({ projector: TINY_HEAD }, { backbone: tinyBackbone(2), seed: 2 });
    disposeLater(fw);
    const loss = tf.tidy(() => fw.loss([images, images], { step: 0, totalSteps: 1 }).dataSync()[0]);
    expect(loss).toBeGreaterThanOrEqual(0);
    expect(loss).toBeLessThanOrEqual(8);
    images.dispose();
  });

  it('moves every target variable by τ·target + (1 − τ)·online, with the cosine τ', () => {
    const images = syntheticImages(B, S);
    const fw = new ByolFramework(
      { projector: TINY_HEAD, momentum: { base: 0.9 } },
      { backbone: tinyBackbone(3), seed: 3 },
    );
    disposeLater(fw);
    let expected: Float32Array[] = [];
    fit(fw, twoViews(images), 3, {
      inspect: (ctx) => {
        const tau = momentumAt(ctx.step, ctx.totalSteps, fw.options.momentum);
        const [a, b] = [Math.fround(tau), Math.fround(1 - tau)];
        expected = fw.momentumPairs().map(([online, target]) => {
          const [o, t] = [online.dataSync() as Float32Array, target.dataSync() as Float32Array];
          return t.map((v, i) => Math.fround(Math.fround(v * a) + Math.fround(o[i] * b)));
        });
      },
    });
    const pairs = fw.momentumPairs();
    expect(pairs.length).toBe(expected.length);
    pairs.forEach(([, target], i) => expect(target.dataSync()).toEqual(expected[i]));
    // the target's batch-norm statistics are its own, not the online network's
    const all = fw.allVariables();
    expect(all['target/stem/bn/moving_mean'].dataSync()).not.toEqual(
      all['stem/bn/moving_mean'].dataSync(),
    );
    images.dispose();
  });

  it('has no gradient into the target network', () => {
    const images = syntheticImages(B, S);
    const fw = new ByolFramework({ projector: TINY_HEAD }, { backbone: tinyBackbone(4), seed: 4 });
    disposeLater(fw);
    expect(Object.keys(fw.trainableVariables()).some((n) => n.startsWith('target/'))).toBe(false);
    const { value, grads } = tf.variableGrads(() =>
      fw.loss([images, images], { step: 0, totalSteps: 1 }),
    ); // every trainable variable in the engine
    expect(Object.keys(grads).some((n) => n.startsWith('target/'))).toBe(false);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(fw.trainableVariables()).sort());
    tf.dispose([value, ...Object.values(grads), images]);
  });
});
