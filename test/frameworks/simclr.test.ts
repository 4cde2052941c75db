import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { SimClrFramework } from '../../src/frameworks/simclr';
import { SupConFramework } from '../../src/frameworks/sup_con';
import {
  TINY_HEAD,
  disposeLater,
  expectHealthyFit,
  noisyView,
  syntheticImages,
  tinyBackbone,
} from './fit';

const [B, S] = [8, 16];

beforeAll(async () => {
  await initBackend('wasm');
});

describe('SimClrFramework', () => {
  it.each(['info_nce', 'dcl', 'dclw'] as const)(
    'smoke fit with loss %s: loss falls, no collapse, no tensor growth',
    (loss) => {
      const images = syntheticImages(B, S);
      const fw = new SimClrFramework(
        { loss, temperature: 0.5, projector: TINY_HEAD },
        { backbone: tinyBackbone(1), seed: 1 },
      );
      disposeLater(fw);
      expectHealthyFit(`simclr/${loss}`, fw, images, (step) => [
        noisyView(images, 2 * step + 1),
        noisyView(images, 2 * step + 2),
      ]);
      images.dispose();
      fw.dispose();
    },
  );

  it('runs both views through the backbone as one batch', () => {
    const fw = new SimClrFramework(
      { projector: TINY_HEAD },
      { backbone: tinyBackbone(2), seed: 2 },
    );
    disposeLater(fw);
    const apply = jest.spyOn(fw.backbone, 'apply');
    const images = syntheticImages(4, S);
    tf.tidy(() => fw.loss([images, images], { step: 0, totalSteps: 1 }));
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply.mock.calls[0][0].shape).toEqual([8, S, S, 3]);
    images.dispose();
    fw.dispose();
  });

  it('identical views of distinct images score below log(2N − 1)', () => {
    // NT-Xent equals log(2N − 1) when all similarities are equal; aligned views must do better.
    const fw = new SimClrFramework(
      { projector: TINY_HEAD },
      { backbone: tinyBackbone(3), seed: 3 },
    );
    disposeLater(fw);
    const images = syntheticImages(B, S);
    const loss = tf.tidy(() => fw.loss([images, images], { step: 0, totalSteps: 1 }).dataSync()[0]);
    expect(loss).toBeLessThan(Math.log(2 * B - 1));
    images.dispose();
    fw.dispose();
  });

  it('rejects views that are not two equal-shaped [B,H,W,C] tensors, naming the view', () => {
    const fw = new SimClrFramework(
      { projector: TINY_HEAD },
      { backbone: tinyBackbone(4), seed: 4 },
    );
    disposeLater(fw);
    const [a, b] = [tf.zeros([4, S, S, 3]) as tf.Tensor4D, tf.zeros([4, 8, 8, 3]) as tf.Tensor4D];
    const ctx = { step: 0, totalSteps: 1 };
    expect(() => fw.loss([a], ctx)).toThrow(
      /SimClrFramework\.loss: views must be an array of at least 2 tensors, got 1 view/,
    );
    expect(() => fw.loss([a, b], ctx)).toThrow(
      /SimClrFramework\.loss: views\[1\] must have the shape of views\[0\]/,
    );
    tf.dispose([a, b]);
    fw.dispose();
  });
});

describe('SupConFramework', () => {
  it('smoke fit with identity labels: loss falls, no collapse, no tensor growth', () => {
    // 4 identities × 2 images each: the two images of an identity are noisy copies of one face
    const identities = syntheticImages(B / 2, S, 7);
    const images = tf.tidy(() => noisyView(tf.concat([identities, identities]) as tf.Tensor4D, 99));
    const labels = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
    const fw = new SupConFramework(
      { projector: TINY_HEAD },
      { backbone: tinyBackbone(5), seed: 5 },
    );
    disposeLater(fw);
    expectHealthyFit(
      'supcon',
      fw,
      images,
      (step) => [noisyView(images, 2 * step + 1), noisyView(images, 2 * step + 2)],
      { labels },
    );
    tf.dispose([images, identities, labels]);
    fw.dispose();
  });

  it('needs ctx.labels of the batch size', () => {
    const fw = new SupConFramework(
      { projector: TINY_HEAD },
      { backbone: tinyBackbone(6), seed: 6 },
    );
    disposeLater(fw);
    const x = tf.zeros([4, S, S, 3]) as tf.Tensor4D;
    expect(() => fw.loss([x, x], { step: 0, totalSteps: 1 })).toThrow(
      /SupConFramework\.loss: ctx\.labels must be a \[4\] tensor of identity labels, got undefined/,
    );
    const labels = tf.tensor1d([0, 1], 'int32');
    expect(() => fw.loss([x, x], { step: 0, totalSteps: 1, labels })).toThrow(/got shape \[2\]/);
    tf.dispose([x, labels]);
    fw.dispose();
  });
});
