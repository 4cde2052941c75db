import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { SwavFramework, SwavOptionsInput } from '../../src/frameworks/swav';
import {
  TINY_HEAD,
  disposeLater,
  expectHealthyFit,
  fit,
  noisyView,
  syntheticImages,
  tinyBackbone,
} from './fit';

const [B, S, LOCAL] = [8, 16, 8];

beforeAll(async () => {
  await initBackend('wasm');
});

/** 2 global crops (S×S) and 2 local crops (LOCAL×LOCAL) of the same images. */
const multiCrop = (images: tf.Tensor4D) => (step: number) => [
  noisyView(images, 4 * step + 1),
  noisyView(images, 4 * step + 2),
  noisyView(images, 4 * step + 3, LOCAL),
  noisyView(images, 4 * step + 4, LOCAL),
];

const make = (options: SwavOptionsInput, seed: number) => {
  const fw = new SwavFramework(
    { prototypes: 16, projector: TINY_HEAD, freezePrototypesSteps: 0, ...options },
    { backbone: tinyBackbone(seed), seed },
  );
  return disposeLater(fw);
};

const columnNorms = (w: tf.Tensor) =>
  tf.tidy(() => Array.from(tf.norm(w, 'euclidean', 0).dataSync()));

describe('SwavFramework', () => {
  it('multi-crop smoke fit: loss falls, no collapse, no tensor growth', () => {
    const images = syntheticImages(B, S);
    const fw = make({}, 1);
    expectHealthyFit('swav', fw, images, multiCrop(images), { lr: 1e-2 });
    images.dispose();
  });

  it('batches crops by size: one backbone call for the global, one for the local crops', () => {
    const images = syntheticImages(4, S);
    const fw = make({}, 2);
    const apply = jest.spyOn(fw.backbone, 'apply');
    const views = multiCrop(images)(0);
    tf.tidy(() => fw.loss(views, { step: 0, totalSteps: 1 }));
    expect(apply.mock.calls.map(([x]) => x.shape)).toEqual([
      [8, S, S, 3],
      [8, LOCAL, LOCAL, 3],
    ]);
    tf.dispose([...views, images]);
  });

  it('freezes the prototypes for freezePrototypesSteps, then trains and renormalises them', () => {
    const images = syntheticImages(B, S);
    const fw = make({ freezePrototypesSteps: 2 }, 3);
    const name = fw.prototypes.weight.name;
    expect(fw.trainableVariables({ step: 1, totalSteps: 4 })[name]).toBeUndefined();
    expect(fw.trainableVariables({ step: 2, totalSteps: 4 })[name]).toBe(fw.prototypes.weight);
    const initial = Float32Array.from(fw.prototypes.weight.dataSync());
    fit(fw, multiCrop(images), 2, { lr: 1e-2 });
    expect(fw.trainableVariables()[name]).toBe(fw.prototypes.weight); // next step is 2
    const frozen = fw.prototypes.weight.dataSync();
    frozen.forEach((v, i) => expect(v).toBeCloseTo(initial[i], 6));
    fit(fw, multiCrop(images), 4, { lr: 1e-2 }); // steps 0-3 again: 2 and 3 update them
    const trained = fw.prototypes.weight.dataSync();
    expect(Math.max(...trained.map((v, i) => Math.abs(v - initial[i])))).toBeGreaterThan(1e-3);
    columnNorms(fw.prototypes.weight).forEach((n) => expect(n).toBeCloseTo(1, 5));
    images.dispose();
  });

  it('fills the queues from step 0 and uses them from queueStartStep, without leaks', async () => {
    const images = syntheticImages(B, S);
    const fw = make({ queueSize: 2 * B, queueStartStep: 3 }, 4);
    const { tensors } = fit(fw, multiCrop(images), 5, { lr: 1e-2 });
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(fw.queues.map((q) => [q.count, q.pointer])).toEqual([
      [2 * B, B],
      [2 * B, B],
    ]);
    const views = multiCrop(images)(9);
    const lossAt = (step: number) =>
      tf.tidy(() => fw.loss(views, { step, totalSteps: 10 }).dataSync()[0]);
    const [before, after] = [lossAt(2), lossAt(3)]; // same weights; only the queue differs
    expect(Math.abs(after - before)).toBeGreaterThan(1e-4);
    const state = await fw.state();
    expect(Object.keys(state.tensors)).toEqual(['queue0', 'queue1']);
    expect(state.meta.nextStep).toBe(5);
    tf.dispose([...views, images]);
  });

  it('rejects global crops of different sizes and too few crops', () => {
    const fw = make({ globalCrops: 2 }, 5);
    const [a, b] = [
      tf.zeros([4, S, S, 3]) as tf.Tensor4D,
      tf.zeros([4, LOCAL, LOCAL, 3]) as tf.Tensor4D,
    ];
    const ctx = { step: 0, totalSteps: 1 };
    expect(() => fw.loss([a, b, b], ctx)).toThrow(
      /SwavFramework\.loss: views\[1\] must have the shape of views\[0\]/,
    );
    expect(() => fw.loss([a], ctx)).toThrow(
      /SwavFramework\.loss: views must be an array of at least 2 tensors/,
    );
    tf.dispose([a, b]);
  });
});
