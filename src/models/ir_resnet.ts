/**
 * IR-ResNet, the face-recognition ResNet of ArcFace (Deng et al. 2019, "ArcFace: Additive Angular
 * Margin Loss", §3.2 and insightface `recognition/arcface_torch/backbones/iresnet.py`).
 *
 * - stem: conv3×3 (stride 1) → BN → PReLU
 * - 4 stages of improved residual units, stride 2 at the first unit of every stage:
 *   BN → conv3×3 → BN → PReLU → conv3×3(stride) → BN, + shortcut (identity, or conv1×1(stride) →
 *   BN when the shape changes); no activation after the addition
 * - output: BN → dropout → flatten → FC → BN (γ fixed at 1, as arcface_torch's `features`)
 *
 * Shapes for a 112×112 input at width 1: [N,112,112,3] → stem [N,112,112,64] → stages
 * [N,56,56,64], [N,28,28,128], [N,14,14,256], [N,7,7,512] → flatten [N,25088] → [N,512].
 * The FC depends on the spatial size, so the backbone is built for one `inputSize`.
 *
 * Differences from arcface_torch: He-normal conv initialisation (theirs is N(0, 0.1)); no bias on
 * the FC (a train-mode batch norm follows, which removes it); flatten in NHWC order.
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import {
  Backbone,
  BackboneOptions,
  checkBackboneOptions,
  convOutputSize,
  scaleChannels,
} from './backbone';
import {
  createBatchNorm,
  createConv,
  createDense,
  createDropout,
  createPRelu,
  ForwardContext,
  Layer,
} from './layers';
import { ParamStore } from './params';

export interface IrResNetConfig {
  /** Residual units per stage: [2,2,2,2] (IR-18), [3,4,6,3] (IR-34), [3,4,14,3] (IR-50). */
  blocks: number[];
  /** Channels per stage (arcface_torch: [64,128,256,512]). */
  widths: number[];
  /** Embedding size (default 512). */
  embeddingSize: number;
  /** Side of the square input the FC is sized for (arcface_torch: 112). */
  inputSize: number;
  /** Stride of the stem conv (1 in arcface_torch). */
  stemStride: number;
  /** Dropout rate before the FC (arcface_torch default 0). */
  dropout: number;
  inputChannels?: number;
}

function createIrBlock(
  params: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: number,
): Layer {
  const bn1 = createBatchNorm(params, `${name}/bn1`, inChannels);
  const conv1 = createConv(params, `${name}/conv1`, inChannels, outChannels, 3, 1);
  const bn2 = createBatchNorm(params, `${name}/bn2`, outChannels);
  const prelu = createPRelu(params, `${name}/prelu`, outChannels);
  const conv2 = createConv(params, `${name}/conv2`, outChannels, outChannels, 3, stride);
  const bn3 = createBatchNorm(params, `${name}/bn3`, outChannels);
  const projection = stride !== 1 || inChannels !== outChannels;
  const shortcutConv = projection
    ? createConv(params, `${name}/shortcut/conv`, inChannels, outChannels, 1, stride)
    : undefined;
  const shortcutBn = projection
    ? createBatchNorm(params, `${name}/shortcut/bn`, outChannels)
    : undefined;
  return {
    apply: (x, ctx) => {
      let h = conv1.apply(bn1.apply(x, ctx), ctx);
      h = prelu.apply(bn2.apply(h, ctx), ctx);
      h = bn3.apply(conv2.apply(h, ctx), ctx);
      const skip = shortcutConv ? shortcutBn!.apply(shortcutConv.apply(x, ctx), ctx) : x;
      return tf.add(h, skip);
    },
  };
}

/** An IR-ResNet; owns its variables in `params`. */
export class IrResNetBackbone implements Backbone {
  readonly params: ParamStore;
  private readonly layers: Layer[] = [];
  private readonly featureSize: number;

  constructor(
    readonly config: IrResNetConfig,
    seed: number | string,
  ) {
    const { widths, blocks, stemStride, inputSize } = config;
    if (widths.length !== blocks.length) {
      throw new Error(
        `IrResNetBackbone: config.widths and config.blocks must have the same length, got ${widths.length} and ${blocks.length}`,
      );
    }
    this.params = new ParamStore(new Rng(seed));
    const p = this.params;
    const stem = createConv(p, 'stem/conv', config.inputChannels ?? 3, widths[0], 3, stemStride);
    const stemBn = createBatchNorm(p, 'stem/bn', widths[0]);
    const stemPrelu = createPRelu(p, 'stem/prelu', widths[0]);
    this.layers.push({
      apply: (x, ctx) => stemPrelu.apply(stemBn.apply(stem.apply(x, ctx), ctx), ctx),
    });
    let size = convOutputSize(inputSize, 3, stemStride, 1);
    let channels = widths[0];
    blocks.forEach((count, stage) => {
      for (let b = 0; b < count; b++) {
        const stride = b === 0 ? 2 : 1;
        this.layers.push(
          createIrBlock(p, `stage${stage + 1}/block${b}`, channels, widths[stage], stride),
        );
        if (stride === 2) size = convOutputSize(size, 3, 2, 1);
        channels = widths[stage];
      }
    });
    this.featureSize = size;
    const outBn = createBatchNorm(p, 'output/bn', channels);
    const dropout = createDropout(config.dropout, `${seed}:output`);
    const fc = createDense(p, 'output/fc', channels * size * size, config.embeddingSize, {
      bias: false,
      init: 'glorot',
    });
    const features = createBatchNorm(p, 'output/features', config.embeddingSize, 1e-5, {
      trainableScale: false,
    });
    this.layers.push({
      apply: (x, ctx) => {
        const h = outBn.apply(x, ctx);
        const flat = tf.reshape(h, [h.shape[0], -1]); // [N,S·S·C]
        return features.apply(fc.apply(dropout.apply(flat, ctx), ctx), ctx);
      },
    });
  }

  get embeddingSize(): number {
    return this.config.embeddingSize;
  }

  /**
   * [N,S,S,3] images (S = config.inputSize) → [N,embeddingSize].
   * @throws if the images are not S×S.
   */
  apply(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    const { inputSize } = this.config;
    if (images.shape[1] !== inputSize || images.shape[2] !== inputSize) {
      throw new Error(
        `IrResNetBackbone.apply: built for ${inputSize}×${inputSize} images (options.inputSize), got ${images.shape[1]}×${images.shape[2]}`,
      );
    }
    let h: tf.Tensor = images;
    for (const layer of this.layers) h = layer.apply(h, ctx);
    return h as tf.Tensor2D;
  }

  /** Side of the last stage's feature map (7 for 112×112 inputs). */
  get finalFeatureSize(): number {
    return this.featureSize;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Units per stage of the named IR-ResNets (arcface_torch `iresnet18/34/50`). */
export const IR_RESNET_BLOCKS = Object.freeze({
  ir18: [2, 2, 2, 2],
  ir34: [3, 4, 6, 3],
  ir50: [3, 4, 14, 3],
});

export type IrResNetName = keyof typeof IR_RESNET_BLOCKS;

/** The configuration of a named IR-ResNet with the registry options applied. */
export function resolveIrResNetConfig(
  name: IrResNetName,
  options: BackboneOptions,
): IrResNetConfig {
  checkBackboneOptions(name, options);
  const width = options.width ?? 1;
  return {
    blocks: [...IR_RESNET_BLOCKS[name]],
    widths: [64, 128, 256, 512].map((w) => scaleChannels(w, width)),
    embeddingSize: options.embeddingSize ?? 512,
    inputSize: options.inputSize ?? 112,
    stemStride: options.stemStride ?? 1,
    dropout: options.dropout ?? 0,
  };
}

/** A registry factory for the named IR-ResNet. */
export function irResNetFactory(
  name: IrResNetName,
): (options: BackboneOptions) => IrResNetBackbone {
  return (options) => new IrResNetBackbone(resolveIrResNetConfig(name, options), options.seed);
}
