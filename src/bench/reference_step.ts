/**
 * The reference training step that `faceclr bench engine` times: resnet18-narrow on two views of
 * 64 images at 64×64, projector 128→256→128 with ReLU, NT-Xent at temperature 0.2, Adam lr 1e-3.
 */
import { tf } from '../engine/tf';
import { infoNce } from '../losses/info_nce';
import { MlpHead } from '../models/heads';
import { RESNET_CONFIGS, ResNetBackbone } from '../models/resnet';

export interface ReferenceStep {
  /** One optimisation step on two views [B,S,S,3] each; returns the loss. */
  step(view1: tf.Tensor4D, view2: tf.Tensor4D): number;
  dispose(): void;
}

export const REFERENCE_PROJECTOR = Object.freeze({
  inFeatures: 128,
  hiddenFeatures: 256,
  outFeatures: 128,
});

export function createReferenceStep(
  seed = 0,
  learningRate = 1e-3,
  temperature = 0.2,
): ReferenceStep {
  const backbone = new ResNetBackbone(RESNET_CONFIGS['resnet18-narrow'], seed);
  const projector = new MlpHead(REFERENCE_PROJECTOR, seed, 'projector');
  const variables = [
    ...Object.values(backbone.params.trainable()),
    ...Object.values(projector.params.trainable()),
  ];
  const optimizer = tf.train.adam(learningRate);
  const ctx = { training: true };
  return {
    step(view1, view2) {
      const batch = view1.shape[0];
      return tf.tidy(() => {
        const loss = optimizer.minimize(
          () => {
            const images = tf.concat([view1, view2], 0); // [2B,S,S,3]
            const z = projector.apply(backbone.apply(images, ctx), ctx); // [2B,128]
            const [z1, z2] = tf.split(z, [batch, batch], 0) as tf.Tensor2D[];
            return infoNce(z1, z2, { temperature });
          },
          true,
          variables,
        );
        return loss!.dataSync()[0];
      });
    },
    dispose() {
      optimizer.dispose();
      backbone.dispose();
      projector.dispose();
    },
  };
}
