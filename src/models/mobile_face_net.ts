/**
 * MobileFaceNet (Chen et al. 2018, "MobileFaceNets: Efficient CNNs for Accurate Real-Time Face
 * Verification on Mobile Devices", Table 1): MobileNetV2 bottlenecks with PReLU, and a global
 * depthwise conv (GDConv) instead of global average pooling, so that each spatial position of the
 * last feature map gets its own learned weight.
 *
 * Table 1 (input 112×112, width 1; t expansion, c channels, n repeats, s stride of the first):
 *   conv3×3 64 s2 → depthwise conv3×3 64 → bottlenecks (t,c,n,s) = (2,64,5,2), (4,128,1,2),
 *   (2,128,6,1), (4,128,1,2), (2,128,2,1) → conv1×1 512 → linear GDConv7×7 → linear conv1×1 128.
 * Every conv is followed by BN; PReLU after all but the linear ones (bottleneck projections,
 * GDConv, embedding). Bottleneck: conv1×1 (c_in → t·c_in) → depthwise 3×3 (stride) → conv1×1
 * (→ c), residual when the stride is 1 and c_in = c.
 *
 * Shapes for a 112×112 input: [N,112,112,3] → [N,56,56,64] → [N,28,28,64] → [N,14,14,128] →
 * [N,7,7,128] → [N,7,7,512] → GDConv [N,1,1,512] → [N,128]. The GDConv kernel equals the last
 * feature map's side (input/16), so the backbone is built for one `inputSize`.
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
  createDepthwiseConv,
  createPRelu,
  ForwardContext,
  Layer,
} from './layers';
import { ParamStore } from './params';

export interface MobileFaceNetConfig {
  /** Stem channels (64), bottleneck settings [t, c, n, s] and the last 1×1 conv's channels (512). */
  stemChannels: number;
  bottlenecks: [number, number, number, number][];
  lastChannels: number;
  embeddingSize: number;
  inputSize: number;
  stemStride: number;
  inputChannels?: number;
}

/** Conv (regular or depthwise) → BN → optional PReLU, under `name/`. */
function convUnit(
  p: ParamStore,
  name: string,
  conv: Layer,
  channels: number,
  prelu: boolean,
): Layer {
  const bn = createBatchNorm(p, `${name}/bn`, channels);
  const act = prelu ? createPRelu(p, `${name}/prelu`, channels) : undefined;
  return {
    apply: (x, ctx) => {
      const h = bn.apply(conv.apply(x, ctx), ctx);
      return act ? act.apply(h, ctx) : h;
    },
  };
}

function createBottleneck(
  p: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  expansion: number,
  stride: number,
): Layer {
  const hidden = inChannels * expansion;
  const expand = convUnit(
    p,
    `${name}/expand`,
    createConv(p, `${name}/expand/conv`, inChannels, hidden, 1, 1),
    hidden,
    true,
  );
  const dw = createDepthwiseConv(p, `${name}/depthwise/conv`, hidden, 3, stride);
  const depthwise = convUnit(p, `${name}/depthwise`, dw, hidden, true);
  const project = convUnit(
    p,
    `${name}/project`,
    createConv(p, `${name}/project/conv`, hidden, outChannels, 1, 1),
    outChannels,
    false,
  );
  const residual = stride === 1 && inChannels === outChannels;
  return {
    apply: (x, ctx) => {
      const h = project.apply(depthwise.apply(expand.apply(x, ctx), ctx), ctx);
      return residual ? tf.add(x, h) : h;
    },
  };
}

/** A MobileFaceNet; owns its variables in `params`. */
export class MobileFaceNetBackbone implements Backbone {
  readonly params: ParamStore;
  private readonly layers: Layer[] = [];

  constructor(
    readonly config: MobileFaceNetConfig,
    seed: number | string,
  ) {
    const p = (this.params = new ParamStore(new Rng(seed)));
    const { stemChannels: c0, stemStride, inputSize } = config;
    const stemConv = createConv(p, 'stem/conv', config.inputChannels ?? 3, c0, 3, stemStride);
    this.layers.push(convUnit(p, 'stem', stemConv, c0, true));
    this.layers.push(
      convUnit(p, 'stem_dw', createDepthwiseConv(p, 'stem_dw/conv', c0, 3, 1), c0, true),
    );
    let size = convOutputSize(inputSize, 3, stemStride, 1);
    let channels = c0;
    config.bottlenecks.forEach(([t, c, n, s], stage) => {
      for (let b = 0; b < n; b++) {
        const stride = b === 0 ? s : 1;
        this.layers.push(
          createBottleneck(p, `stage${stage + 1}/block${b}`, channels, c, t, stride),
        );
        size = convOutputSize(size, 3, stride, 1);
        channels = c;
      }
    });
    const last = config.lastChannels;
    this.layers.push(
      convUnit(p, 'conv_last', createConv(p, 'conv_last/conv', channels, last, 1, 1), last, true),
    );
    // Linear GDConv: one size×size filter per channel, valid padding → [N,1,1,last].
    this.layers.push(
      convUnit(
        p,
        'gdconv',
        createDepthwiseConv(p, 'gdconv/conv', last, size, 1, 'valid'),
        last,
        false,
      ),
    );
    const embedding = createDense(p, 'embedding', last, config.embeddingSize, {
      bias: false,
      init: 'glorot',
    });
    const embeddingBn = createBatchNorm(p, 'embedding/bn', config.embeddingSize);
    this.layers.push({
      apply: (x, ctx) =>
        embeddingBn.apply(embedding.apply(tf.reshape(x, [x.shape[0], last]), ctx), ctx),
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
        `MobileFaceNetBackbone.apply: built for ${inputSize}×${inputSize} images (options.inputSize), got ${images.shape[1]}×${images.shape[2]}`,
      );
    }
    let h: tf.Tensor = images;
    for (const layer of this.layers) h = layer.apply(h, ctx);
    return h as tf.Tensor2D;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** The configuration of MobileFaceNet with the registry options applied. */
export function resolveMobileFaceNetConfig(options: BackboneOptions): MobileFaceNetConfig {
  checkBackboneOptions('mobilefacenet', options);
  const w = (c: number) => scaleChannels(c, options.width ?? 1);
  const table: [number, number, number, number][] = [
    [2, 64, 5, 2],
    [4, 128, 1, 2],
    [2, 128, 6, 1],
    [4, 128, 1, 2],
    [2, 128, 2, 1],
  ];
  return {
    stemChannels: w(64),
    bottlenecks: table.map(([t, c, n, s]) => [t, w(c), n, s]),
    lastChannels: w(512),
    embeddingSize: options.embeddingSize ?? 128,
    inputSize: options.inputSize ?? 112,
    stemStride: options.stemStride ?? 2,
  };
}

/** The registry factory for MobileFaceNet. */
export function mobileFaceNetFactory(options: BackboneOptions): MobileFaceNetBackbone {
  return new MobileFaceNetBackbone(resolveMobileFaceNetConfig(options), options.seed);
}
