/**
 * MLP heads: SimCLR's projector g(·) (Chen et al. 2020, §2.1), BYOL/SimSiam predictors.
 *
 * `layers` dense layers; hidden ones are followed by optional batch norm and ReLU, the last is
 * linear (optionally followed by a non-affine batch norm, as in SimSiam's projector).
 * Shapes: [N,inFeatures] → [N,outFeatures].
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { createBatchNorm, createDense, ForwardContext, Layer } from './layers';
import { ParamStore } from './params';

export interface MlpHeadConfig {
  inFeatures: number;
  hiddenFeatures: number;
  outFeatures: number;
  /** Number of dense layers (≥ 1). Default 2. */
  layers?: number;
  /** Batch norm after each hidden dense layer. Default false. */
  batchNorm?: boolean;
}

export class MlpHead {
  readonly params: ParamStore;
  private readonly blocks: { dense: Layer; bn?: Layer; relu: boolean }[] = [];

  constructor(
    readonly config: MlpHeadConfig,
    seed: number | string,
    name = 'head',
  ) {
    const layers = config.layers ?? 2;
    if (!Number.isInteger(layers) || layers < 1) {
      throw new Error(`MlpHead: config.layers must be an integer ≥ 1, got ${layers}`);
    }
    this.params = new ParamStore(new Rng(`${seed}:${name}`));
    let inFeatures = config.inFeatures;
    for (let i = 0; i < layers; i++) {
      const last = i === layers - 1;
      const out = last ? config.outFeatures : config.hiddenFeatures;
      const dense = createDense(this.params, `${name}/dense${i}`, inFeatures, out, {
        init: last ? 'glorot' : 'he',
        bias: !(config.batchNorm && !last),
      });
      const bn =
        config.batchNorm && !last ? createBatchNorm(this.params, `${name}/bn${i}`, out) : undefined;
      this.blocks.push({ dense, bn, relu: !last });
      inFeatures = out;
    }
  }

  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    let h: tf.Tensor = x;
    for (const { dense, bn, relu } of this.blocks) {
      h = dense.apply(h, ctx);
      if (bn) h = bn.apply(h, ctx);
      if (relu) h = tf.relu(h);
    }
    return h as tf.Tensor2D;
  }

  dispose(): void {
    this.params.dispose();
  }
}
