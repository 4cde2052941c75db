import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { SimSiamFramework } from '../../src/frameworks/simsiam';
import { batchNormTrain } from '../../src/engine/batch_norm';
import { l2Normalize } from '../../src/losses/similarity_logits';
import { relativeL2 } from '../helpers/compare';
import { disposeLater, expectHealthyFit, noisyView, syntheticImages, tinyBackbone } from './fit';

const [B, S] = [8, 16];

beforeAll(async () => {
  await initBackend('wasm');
});

const options = {
  projector: { hiddenFeatures: 32, outFeatures: 32 },
  predictor: { hiddenFeatures: 8 },
};

describe('SimSiamFramework', () => {
  it('smoke fit: loss falls, no collapse, no tensor growth', () => {
    const images = syntheticImages(B, S);
    const fw = new SimSiamFramework(options, { backbone: tinyBackbone(1), seed: 1 });
    disposeLater(fw);
    expectHealthyFit(
      'simsiam',
      fw,
      images,
      (step) => [noisyView(images, 2 * step + 1), noisyView(images, 2 * step + 2)],
      { lr: 1e-2 },
    );
    images.dispose();
  });

  it('the loss is a mean negative cosine, in [−1, 1]', () => {
    const images = syntheticImages(B, S);
    const fw = new SimSiamFramework(options, { backbone: tinyBackbone(2), seed: 2 });
    disposeLater(fw);
    const loss = tf.tidy(() => fw.loss([images, images], { step: 0, totalSteps: 1 }).dataSync()[0]);
    expect(loss).toBeGreaterThanOrEqual(-1);
    expect(loss).toBeLessThanOrEqual(1);
    images.dispose();
  });

  it('stops the gradient at the target branch (gradients equal those with constant targets)', () => {
    const images = syntheticImages(B, S);
    const views = [images, noisyView(images, 5)];
    const fw = new SimSiamFramework(options, { backbone: tinyBackbone(3), seed: 3 });
    disposeLater(fw);
    const train = { training: true };
    const projections = (x: tf.Tensor4D) => {
      const h = fw.projector.apply(fw.backbone.apply(x, train), train);
      const d = h.shape[1];
      return batchNormTrain(h, tf.ones([d]), tf.zeros([d])).y as tf.Tensor2D; // non-affine BN
    };
    const both = tf.concat(views) as tf.Tensor4D;
    // reference: the targets are constants computed outside the tape
    const targets = tf.tidy(() => tf.split(projections(both), 2) as tf.Tensor2D[]);
    const reference = () =>
      tf.tidy(() => {
        const p = tf.split(fw.predictor.apply(projections(both), train), 2) as tf.Tensor2D[];
        const cos = (a: tf.Tensor2D, b: tf.Tensor2D) =>
          tf.mean(tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1));
        return tf.neg(
          tf.mul(0.5, tf.add(cos(p[0], targets[1]), cos(p[1], targets[0]))),
        ) as tf.Scalar;
      });
    const vars = Object.values(fw.trainableVariables());
    const got = tf.variableGrads(() => fw.loss(views, { step: 0, totalSteps: 1 }), vars);
    const want = tf.variableGrads(reference, vars);
    expect(got.value.dataSync()[0]).toBeCloseTo(want.value.dataSync()[0], 5);
    for (const name of Object.keys(want.grads)) {
      expect(relativeL2(got.grads[name].dataSync(), want.grads[name].dataSync())).toBeLessThan(
        1e-4,
      );
    }
    tf.dispose([got.value, want.value, ...Object.values(got.grads), ...Object.values(want.grads)]);
    tf.dispose([...views, both, ...targets]);
  });
});
