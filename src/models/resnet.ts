/**
 * ResNet backbones (He et al. 2016, "Deep Residual Learning") for small face crops.
 *
 * `resnet18-narrow` is faceclr's reference backbone: stem 3×3 conv stride 2, widths
 * 32/64/128/256, two basic blocks per stage (stride 2 at the first block of stages 2-4), batch
 * norm + ReLU, global average pool, linear 128-d embedding.
 *
 * Shapes for a 64×64 input: [N,64,64,3] → stem [N,32,32,32] → stages [N,32,32,32],
 * [N,16,16,64], [N,8,8,128], [N,4,4,256] → pool [N,256] → embedding [N,128].
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { createBatchNorm, createConv, createDense, ForwardContext, Layer } from './layers';
import { ParamStore } from './params';

export interface ResNetConfig {
  /** Residual blocks per stage, e.g. [2,2,2,2] for ResNet-18. */
  blocks: number[];
  /** Channels per stage, e.g. [32,64,128,256]. */
  widths: number[];
  /** Stem convolution: kernel size and stride (3/2 for small faces). */
  stemKernel: number;
  stemStride: number;
  /** Embedding size of the final linear layer. */
  embeddingSize: number;
  inputChannels?: number;
}

function createBasicBlock(
  params: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: number,
): Layer {
  const conv1 = createConv(params, `${name}/conv1`, inChannels, outChannels, 3, stride);
  const bn1 = createBatchNorm(params, `${name}/bn1`, outChannels);
  const conv2 = createConv(params, `${name}/conv2`, outChannels, outChannels, 3, 1);
  const bn2 = createBatchNorm(params, `${name}/bn2`, outChannels);
  const needsProjection = stride !== 1 || inChannels !== outChannels;
  const shortcutConv = needsProjection
    ? createConv(params, `${name}/shortcut/conv`, inChannels, outChannels, 1, stride)
    : undefined;
  const shortcutBn = needsProjection
    ? createBatchNorm(params, `${name}/shortcut/bn`, outChannels)
    : undefined;
  return {
    apply: (x, ctx) => {
      const h = tf.relu(bn1.apply(conv1.apply(x, ctx), ctx));
      const out = bn2.apply(conv2.apply(h, ctx), ctx);
      const skip = shortcutConv ? shortcutBn!.apply(shortcutConv.apply(x, ctx), ctx) : x;
      return tf.relu(tf.add(out, skip));
    },
  };
}

/** A ResNet with basic blocks; owns its variables in `params`. */
export class ResNetBackbone {
  readonly params: ParamStore;
  private readonly layers: { stem: Layer; stemBn: Layer; blocks: Layer[]; embedding: Layer };

  constructor(
    readonly config: ResNetConfig,
    seed: number | string,
  ) {
    this.params = new ParamStore(new Rng(seed));
    const { widths, blocks } = config;
    const stem = createConv(
      this.params,
      'stem/conv',
      config.inputChannels ?? 3,
      widths[0],
      config.stemKernel,
      config.stemStride,
    );
    const stemBn = createBatchNorm(this.params, 'stem/bn', widths[0]);
    const blockLayers: Layer[] = [];
    let channels = widths[0];
    blocks.forEach((count, stage) => {
      for (let b = 0; b < count; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        blockLayers.push(
          createBasicBlock(
            this.params,
            `stage${stage + 1}/block${b}`,
            channels,
            widths[stage],
            stride,
          ),
        );
        channels = widths[stage];
      }
    });
    const embedding = createDense(this.params, 'embedding', channels, config.embeddingSize, {
      init: 'glorot',
    });
    this.layers = { stem, stemBn, blocks: blockLayers, embedding };
  }

  /** [N,H,W,3] images → [N,embeddingSize] embeddings. */
  apply(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    const { stem, stemBn, blocks, embedding } = this.layers;
    let h = tf.relu(stemBn.apply(stem.apply(images, ctx), ctx));
    for (const block of blocks) h = block.apply(h, ctx);
    const pooled = tf.mean(h, [1, 2]); // [N,C]
    return embedding.apply(pooled, ctx) as tf.Tensor2D;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Named backbone configurations. */
export const RESNET_CONFIGS = Object.freeze({
  'resnet18-narrow': {
    blocks: [2, 2, 2, 2],
    widths: [32, 64, 128, 256],
    stemKernel: 3,
    stemStride: 2,
    embeddingSize: 128,
  },
  resnet18: {
    blocks: [2, 2, 2, 2],
    widths: [64, 128, 256, 512],
    stemKernel: 3,
    stemStride: 2,
    embeddingSize: 512,
  },
  resnet34: {
    blocks: [3, 4, 6, 3],
    widths: [64, 128, 256, 512],
    stemKernel: 3,
    stemStride: 2,
    embeddingSize: 512,
  },
} satisfies Record<string, ResNetConfig>);
