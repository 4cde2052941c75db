import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { MocoFramework } from '../../src/frameworks/moco';
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

describe('MocoFramework v2', () => {
  it('smoke fit: loss falls, no collapse, no tensor growth', () => {
    const images = syntheticImages(B, S);
    const fw = new MocoFramework(
      { queueSize: 2 * B, projector: TINY_HEAD },
      { backbone: tinyBackbone(1), seed: 1 },
    );
    disposeLater(fw);
    // the loss grows with the queue (log(M + 1) at chance), so compare once it is full
    expectHealthyFit('moco/v2', fw, images, twoViews(images), { steps: 17, warmup: 2 });
    images.dispose();
    fw.dispose();
  });

  it('the queue holds the keys of the last steps, FIFO', () => {
    const images = syntheticImages(B, S);
    const fw = new MocoFramework(
      { queueSize: 2 * B, projector: TINY_HEAD },
      { backbone: tinyBackbone(2), seed: 2 },
    );
    disposeLater(fw);
    const keys: Float32Array[] = [];
    fit(fw, twoViews(images), 3, {
      // after the optimizer step, before onStepEnd: the key encoder is still the loss's
      inspect: (ctx) => {
        const view = noisyView(images, 2 * ctx.step + 2); // the key view of this step
        const k = tf.tidy(() => {
          const raw = fw.momentumEmbeddings(view);
          return tf.div(raw, tf.norm(raw, 'euclidean', 1, true));
        });
        keys.push(k.dataSync() as Float32Array);
        tf.dispose([view, k]);
      },
    });
    const queue = fw.queue!;
    expect(queue.count).toBe(2 * B);
    expect(queue.pointer).toBe(B);
    const stored = queue.read();
    const rows = stored.dataSync();
    const dim = TINY_HEAD.outFeatures;
    // step 2 overwrote slots 0..B-1; slots B..2B-1 still hold step 1's keys
    const slots = (from: number) => Array.from(rows.slice(from * dim, (from + B) * dim));
    expect(maxDiff(slots(0), keys[2])).toBeLessThan(1e-5);
    expect(maxDiff(slots(B), keys[1])).toBeLessThan(1e-5);
    tf.dispose([stored, images]);
    fw.dispose();
  });

  it('updates the key encoder by momentum after each step', () => {
    const images = syntheticImages(B, S);
    const fw = new MocoFramework(
      { queueSize: 16, projector: TINY_HEAD, momentum: { base: 0.9 } },
      { backbone: tinyBackbone(3), seed: 3 },
    );
    disposeLater(fw);
    const [online, target] = fw.momentumPairs()[0];
    let expected: Float32Array | undefined;
    fit(fw, twoViews(images), 2, {
      inspect: (ctx) => {
        const tauDouble = momentumAt(ctx.step, ctx.totalSteps, fw.options.momentum);
        const [tau, rest] = [Math.fround(tauDouble), Math.fround(1 - tauDouble)];
        const [t, o] = [target.dataSync() as Float32Array, online.dataSync() as Float32Array];
        expected = t.map((v, i) => Math.fround(Math.fround(v * tau) + Math.fround(o[i] * rest)));
      },
    });
    expect(target.dataSync()).toEqual(expected);
    expect(target.dataSync()).not.toEqual(online.dataSync());
    images.dispose();
    fw.dispose();
  });

  it('checkpoints and restores the queue', async () => {
    const images = syntheticImages(B, S);
    const make = (seed: number) =>
      new MocoFramework(
        { queueSize: 12, projector: TINY_HEAD },
        { backbone: tinyBackbone(seed), seed },
      );
    const fw = make(4);
    disposeLater(fw);
    fit(fw, twoViews(images), 2);
    const state = await fw.state();
    const saved = fw.queue!.read();
    fw.dispose();
    const other = make(5);
    disposeLater(other);
    other.restore(state);
    expect(other.queue!.pointer).toBe(4);
    const restored = other.queue!.read();
    expect(restored.dataSync()).toEqual(saved.dataSync());
    tf.dispose([saved, restored, images]);
    other.dispose();
  });
});

describe('MocoFramework v3', () => {
  it('smoke fit: loss falls, no collapse, no tensor growth; no queue, a predictor', () => {
    const images = syntheticImages(B, S);
    const fw = new MocoFramework(
      {
        version: 3,
        projector: { ...TINY_HEAD, batchNorm: true },
        predictor: { hiddenFeatures: 32 },
      },
      { backbone: tinyBackbone(6), seed: 6 },
    );
    disposeLater(fw);
    expect(fw.queue).toBeUndefined();
    expect(Object.keys(fw.trainableVariables()).some((n) => n.startsWith('predictor/'))).toBe(true);
    expectHealthyFit('moco/v3', fw, images, twoViews(images), { steps: 16 });
    images.dispose();
    fw.dispose();
  });
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
