/**
 * ResNet backbones (He et al. 2016, "Deep Residual Learning") for small face crops.
 *
 * `resnet18-narrow` is faceclr's reference backbone: stem 3×3 conv stride 2, widths
 * 32/64/128/256, two basic blocks per stage (stride 2 at the first block of stages 2-4), batch
 * norm + ReLU, global average pool, linear 128-d embedding.
 *
 * Shapes for a 64×64 input: [N,64,64,3] → stem [N,32,32,32] → stages [N,32,32,32],
 * [N,16,16,64], [N,8,8,128], [N,4,4,256] → pool [N,256] → embedding [N,128].
 *
 * `resnet18`/`resnet34` use basic blocks at widths 64-512; `resnet50` uses bottleneck blocks
 * (inner widths 64-512, outputs 256-2048). All keep the small-input stem (3×3, stride 2, no max
 * pool) and pool globally, so they accept any input size.
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { Backbone, BackboneOptions, checkBackboneOptions, scaleChannels } from './backbone';
import { createBatchNorm, createConv, createDense, ForwardContext, Layer } from './layers';
import { ParamStore } from './params';
import { BOTTLENECK_EXPANSION, createBasicBlock, createBottleneckBlock } from './resnet_blocks';

export interface ResNetConfig {
  /** Residual blocks per stage, e.g. [2,2,2,2] for ResNet-18. */
  blocks: number[];
  /** Channels per stage, e.g. [32,64,128,256] (inner channels for bottleneck blocks). */
  widths: number[];
  /** Stem convolution: kernel size and stride (3/2 for small faces). */
  stemKernel: number;
  stemStride: number;
  /** Embedding size of the final linear layer. */
  embeddingSize: number;
  inputChannels?: number;
  /** Residual block type (default 'basic'); 'bottleneck' outputs 4× its width. */
  block?: 'basic' | 'bottleneck';
}

/** A ResNet with basic or bottleneck blocks; owns its variables in `params`. */
export class ResNetBackbone implements Backbone {
  readonly params: ParamStore;
  private readonly layers: { stem: Layer; stemBn: Layer; blocks: Layer[]; embedding: Layer };

  constructor(
    readonly config: ResNetConfig,
    seed: number | string,
  ) {
    this.params = new ParamStore(new Rng(seed));
    const { widths, blocks } = config;
    if (widths.length !== blocks.length) {
      throw new Error(
        `ResNetBackbone: config.widths and config.blocks must have the same length, got ${widths.length} and ${blocks.length}`,
      );
    }
    const stem = createConv(
      this.params,
      'stem/conv',
      config.inputChannels ?? 3,
      widths[0],
      config.stemKernel,
      config.stemStride,
    );
    const stemBn = createBatchNorm(this.params, 'stem/bn', widths[0], 1e-5, { relu: true });
    const bottleneck = config.block === 'bottleneck';
    const blockLayers: Layer[] = [];
    let channels = widths[0];
    blocks.forEach((count, stage) => {
      for (let b = 0; b < count; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const name = `stage${stage + 1}/block${b}`;
        const create = bottleneck ? createBottleneckBlock : createBasicBlock;
        blockLayers.push(create(this.params, name, channels, widths[stage], stride));
        channels = widths[stage] * (bottleneck ? BOTTLENECK_EXPANSION : 1);
      }
    });
    const embedding = createDense(this.params, 'embedding', channels, config.embeddingSize, {
      init: 'glorot',
    });
    this.layers = { stem, stemBn, blocks: blockLayers, embedding };
  }

  get embeddingSize(): number {
    return this.config.embeddingSize;
  }

  /** [N,H,W,3] images → [N,embeddingSize] embeddings. */
  apply(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    const { stem, stemBn, blocks, embedding } = this.layers;
    let h = stemBn.apply(stem.apply(images, ctx), ctx); // BN + ReLU
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
  resnet50: {
    blocks: [3, 4, 6, 3],
    widths: [64, 128, 256, 512],
    stemKernel: 3,
    stemStride: 2,
    embeddingSize: 512,
    block: 'bottleneck',
  },
} satisfies Record<string, ResNetConfig>);

export type ResNetName = keyof typeof RESNET_CONFIGS;

/**
 * The configuration of a named ResNet with the registry options applied: widths × `width`,
 * `embeddingSize` and `stemStride` overrides. With no overrides it is the named config itself.
 * @throws for invalid options, naming the backbone.
 */
export function resolveResNetConfig(name: ResNetName, options: BackboneOptions): ResNetConfig {
  checkBackboneOptions(name, options);
  const base: ResNetConfig = RESNET_CONFIGS[name];
  const width = options.width ?? 1;
  return {
    ...base,
    widths: base.widths.map((w) => scaleChannels(w, width)),
    embeddingSize: options.embeddingSize ?? base.embeddingSize,
    stemStride: options.stemStride ?? base.stemStride,
  };
}

/** A registry factory for the named ResNet. */
export function resnetFactory(name: ResNetName): (options: BackboneOptions) => ResNetBackbone {
  return (options) => new ResNetBackbone(resolveResNetConfig(name, options), options.seed);
}
