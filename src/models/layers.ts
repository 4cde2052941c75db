/**
 * Functional building blocks over a `ParamStore`: convolution, depthwise convolution, batch norm
 * (with running statistics), dense, PReLU, dropout. Each `create*` makes the variables; the
 * returned object's `apply` runs it. Tensor layout is NHWC throughout.
 */
import { tf } from '../engine/tf';
import { batchNormInfer, batchNormTrain } from '../engine/batch_norm';
import { Rng } from '../util/random';
import { ParamStore } from './params';

export interface ForwardContext {
  /** Training mode: batch statistics (and running-statistic updates) in batch norm. */
  training: boolean;
  /** Momentum of the running statistics (PyTorch convention: new = (1 − m)·old + m·batch). */
  bnMomentum?: number;
}

export interface Layer {
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

/** k×k convolution without bias (a batch norm follows). Padding: PyTorch-style explicit k//2. */
export function createConv(
  params: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
): Layer {
  const w = params.create(`${name}/kernel`, [kernel, kernel, inChannels, outChannels], 'he');
  const p = Math.floor(kernel / 2);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
  return {
    apply: (x) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, p === 0 ? 'valid' : pad),
  };
}

/** A batch norm layer that can also add a residual branch before its (optional) ReLU. */
export interface BatchNormLayer extends Layer {
  /** `act(BN(x) + skip)`, the add and ReLU fused into batch norm's kernels on wasm. */
  applyResidual(x: tf.Tensor, skip: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

/**
 * Batch norm over channels with learnable γ (`/gamma`), β (`/beta`) and running statistics.
 * `options.trainableScale: false` keeps γ fixed at 1 (a non-trainable variable), as in the
 * embedding batch norm of arcface_torch's IR-ResNet. `options.relu: true` applies ReLU to the
 * output (fused into batch norm's kernels on wasm; same variables).
 */
export function createBatchNorm(
  params: ParamStore,
  name: string,
  channels: number,
  epsilon = 1e-5,
  options: { trainableScale?: boolean; relu?: boolean } = {},
): BatchNormLayer {
  const gamma = params.create(`${name}/gamma`, [channels], 'ones', options.trainableScale ?? true);
  const beta = params.create(`${name}/beta`, [channels], 'zeros');
  const movingMean = params.create(`${name}/moving_mean`, [channels], 'zeros', false);
  const movingVariance = params.create(`${name}/moving_variance`, [channels], 'ones', false);
  const run = (x: tf.Tensor, skip: tf.Tensor | undefined, ctx: ForwardContext) => {
    if (!ctx.training) {
      return tf.tidy(() => {
        const bn = batchNormInfer(x, gamma, beta, movingMean, movingVariance, epsilon);
        const y = skip ? tf.add(bn, skip) : bn;
        return options.relu ? tf.relu(y) : y;
      });
    }
    const { y, mean, variance } = batchNormTrain(x, gamma, beta, epsilon, {
      relu: options.relu,
      residual: skip,
    });
    const m = ctx.bnMomentum ?? 0.1;
    const n = x.size / x.shape[x.shape.length - 1];
    tf.tidy(() => {
      movingMean.assign(tf.add(tf.mul(movingMean, 1 - m), tf.mul(mean, m)));
      // Running variance is unbiased, as in PyTorch.
      movingVariance.assign(
        tf.add(tf.mul(movingVariance, 1 - m), tf.mul(variance, (m * n) / Math.max(n - 1, 1))),
      );
    });
    mean.dispose();
    variance.dispose();
    return y;
  };
  return {
    apply: (x, ctx) => run(x, undefined, ctx),
    applyResidual: (x, skip, ctx) => run(x, skip, ctx),
  };
}

/** Fully connected layer y = x·W + b, He or Glorot initialised. */
export function createDense(
  params: ParamStore,
  name: string,
  inFeatures: number,
  outFeatures: number,
  options: { bias?: boolean; init?: 'he' | 'glorot' } = {},
): Layer {
  const w = params.create(`${name}/kernel`, [inFeatures, outFeatures], options.init ?? 'he');
  const b =
    options.bias === false ? undefined : params.create(`${name}/bias`, [outFeatures], 'zeros');
  return {
    apply: (x) => {
      const y = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
      return b ? tf.add(y, b) : y;
    },
  };
}

/**
 * Depthwise k×k convolution (one filter per channel, no bias), PyTorch-style explicit padding
 * k//2, or none with `padding: 'valid'` (MobileFaceNet's global depthwise conv).
 * Variable `/depthwise_kernel` [k,k,C,1], He-initialised with the true fan-in k² (not k²·C).
 */
export function createDepthwiseConv(
  params: ParamStore,
  name: string,
  channels: number,
  kernel: number,
  stride: number,
  padding: 'pytorch' | 'valid' = 'pytorch',
): Layer {
  const w = params.create(`${name}/depthwise_kernel`, [kernel, kernel, channels, 1], 'he');
  // ParamStore's He std is sqrt(2 / (k²·C)); a depthwise filter sees k² inputs.
  tf.tidy(() => w.assign(tf.mul(w, Math.sqrt(channels))));
  const p = padding === 'valid' ? 0 : Math.floor(kernel / 2);
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
  return {
    apply: (x) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, p === 0 ? 'valid' : pad),
  };
}

/**
 * PReLU (He et al. 2015): y = max(x, 0) + α·min(x, 0) with a learnable slope per channel
 * (`/alpha` [C], initialised to 0.25 as in PyTorch). Works on [..., C] tensors.
 */
export function createPRelu(params: ParamStore, name: string, channels: number): Layer {
  const alpha = params.create(`${name}/alpha`, [channels], { constant: 0.25 });
  return { apply: (x) => tf.prelu(x, alpha) };
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with probability
 * `rate` and scales the rest by 1/(1 − rate); at inference (or with rate 0) the identity.
 * The masks are drawn from a generator seeded by `seed`, so a run is reproducible.
 *
 * @throws if `rate` is not in [0, 1).
 */
export function createDropout(rate: number, seed: number | string): Layer {
  if (!(rate >= 0 && rate < 1)) {
    throw new Error(`createDropout: rate must be in [0, 1), got ${rate}`);
  }
  const rng = new Rng(`${seed}:dropout`);
  return {
    apply: (x, ctx) => (ctx.training && rate > 0 ? tf.dropout(x, rate, undefined, rng.seed()) : x),
  };
}
