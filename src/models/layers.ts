/**
 * Functional building blocks over a `ParamStore`: convolution, batch norm (with running
 * statistics), dense. Each `create*` makes the variables; the returned object's `apply` runs it.
 * Tensor layout is NHWC throughout.
 */
import { tf } from '../engine/tf';
import { batchNormInfer, batchNormTrain } from '../engine/batch_norm';
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

/** Batch norm over channels with learnable γ (`/gamma`), β (`/beta`) and running statistics. */
export function createBatchNorm(
  params: ParamStore,
  name: string,
  channels: number,
  epsilon = 1e-5,
): Layer {
  const gamma = params.create(`${name}/gamma`, [channels], 'ones');
  const beta = params.create(`${name}/beta`, [channels], 'zeros');
  const movingMean = params.create(`${name}/moving_mean`, [channels], 'zeros', false);
  const movingVariance = params.create(`${name}/moving_variance`, [channels], 'ones', false);
  return {
    apply: (x, ctx) => {
      if (!ctx.training) return batchNormInfer(x, gamma, beta, movingMean, movingVariance, epsilon);
      const { y, mean, variance } = batchNormTrain(x, gamma, beta, epsilon);
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
    },
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
