import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { MultiViewTransform } from '../../src/augment/multi_view_transform';
import { SingleViewTransform } from '../../src/augment/single_view_transform';
import { resolveAugmentConfig } from '../../src/augment/resolve';
import { AUGMENT_PRESET_NAMES } from '../../src/augment/presets';
import { cropResize } from '../../src/augment/crop';
import { Rng } from '../../src/util/random';
import { randomImages, toTensor } from './reference';

let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend('wasm');
  images = toTensor(randomImages(6, 40, 36, 21));
});

afterAll(() => images.dispose());

function values(views: tf.Tensor[]): number[][] {
  return views.map((v) => Array.from(v.dataSync()));
}

describe('SingleViewTransform / MultiViewTransform', () => {
  it.each(AUGMENT_PRESET_NAMES)(
    '%s: shapes, view count and [0, 1] range before normalisation',
    (name) => {
      const config = resolveAugmentConfig(name);
      config.views.forEach((group) => {
        group.size = Math.round(group.size / 4);
        group.normalize = null;
      });
      const transform = MultiViewTransform.fromConfig(config);
      const views = transform.apply(images, new Rng(3));
      expect(views.length).toBe(config.views.reduce((n, g) => n + g.count, 0));
      views.forEach((view, i) => {
        expect(view.shape).toEqual([6, transform.sizes[i], transform.sizes[i], 3]);
        const data = view.dataSync();
        expect(Math.min(...data)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...data)).toBeLessThanOrEqual(1);
      });
      tf.dispose(views);
    },
  );

  it('swav gives 2 global and 4 local views; byol has its asymmetric blur and solarize', () => {
    expect(MultiViewTransform.fromPreset('swav').sizes).toEqual([112, 112, 48, 48, 48, 48]);
    const byol = resolveAugmentConfig('byol').views;
    expect(byol.map((v) => [v.blur.probability, v.solarize.probability])).toEqual([
      [1, 0],
      [0.1, 0.2],
    ]);
    const face = resolveAugmentConfig('face').views[0];
    expect(face.crop.scale).toEqual([0.6, 1]);
    expect(face.verticalFlip.probability).toBe(0);
    expect(face.normalize).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  });

  it('same seed gives the same views; another seed gives different views', () => {
    const transform = MultiViewTransform.fromPreset('simclr', { views: [{ size: 24 }] });
    const a = transform.apply(images, new Rng(7));
    const b = transform.apply(images, new Rng(7));
    const c = transform.apply(images, new Rng(8));
    expect(values(a)).toEqual(values(b));
    expect(values(a)[0]).not.toEqual(values(c)[0]);
    expect(values(a)[0]).not.toEqual(values(a)[1]); // the two views differ
    tf.dispose([...a, ...b, ...c]);
  });

  it('does not leak tensors across calls', () => {
    const transform = MultiViewTransform.fromPreset('byol', {
      views: [{ size: 20 }, { size: 20 }],
    });
    const rng = new Rng(1);
    tf.dispose(transform.apply(images, rng));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(transform.apply(images, rng));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with every op switched off, a view is exactly the crop (params from the same rng)', () => {
    const config = resolveAugmentConfig('simclr', {
      views: [
        {
          size: 16,
          colorJitter: { probability: 0 },
          grayscale: { probability: 0 },
          blur: { probability: 0 },
          horizontalFlip: { probability: 1 },
          normalize: null,
        },
      ],
    }).views[0];
    const view = new SingleViewTransform(config);
    const params = view.sample(new Rng(4), 6, 40, 36);
    expect(Array.from(params.brightness)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(params.flipHorizontal)).toEqual([1, 1, 1, 1, 1, 1]);
    for (let b = 0; b < 6; b++)
      expect(params.boxes[b * 4 + 1]).toBeGreaterThan(params.boxes[b * 4 + 3]); // x1 > x2
    const out = view.applyParams(images, params);
    const crop = cropResize(images, params.boxes, 16);
    expect(Array.from(out.dataSync())).toEqual(Array.from(crop.dataSync()));
    tf.dispose([out, crop]);
  });

  it('normalises last with the preset statistics', () => {
    const view = new SingleViewTransform(
      resolveAugmentConfig('face', { views: [{ size: 12 }] }).views[0],
    );
    const out = view.apply(images, new Rng(5));
    const data = out.dataSync();
    expect(Math.min(...data)).toBeGreaterThanOrEqual(-1 - 1e-6);
    expect(Math.max(...data)).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.min(...data)).toBeLessThan(-0.5); // really shifted to [-1, 1]
    out.dispose();
  });

  it('names the function and argument on bad input', () => {
    const view = new SingleViewTransform(
      resolveAugmentConfig('simclr', { views: [{ size: 8 }] }).views[0],
    );
    const ints = tf.zeros([2, 8, 8, 3], 'int32');
    expect(() => view.apply(ints as tf.Tensor4D, new Rng(1))).toThrow(
      /SingleViewTransform.apply: images must be float32 in \[0, 1\], got dtype int32/,
    );
    const params = view.sample(new Rng(1), 3, 8, 8);
    expect(() => view.applyParams(images, params)).toThrow(
      /params are for batch 3, got images of batch 6/,
    );
    expect(() => new MultiViewTransform([])).toThrow(
      /MultiViewTransform: transforms must be a non-empty array, got \[\]/,
    );
    ints.dispose();
  });
});
