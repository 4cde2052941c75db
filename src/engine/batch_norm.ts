/**
 * Training-mode batch normalisation (Ioffe & Szegedy 2015) with a closed-form backward pass,
 * optionally fused with a residual add and the ReLU that follows it: `relu(BN(x) + skip)`.
 *
 * On wasm both passes are single faceclr heap kernels (`kernels/batch_norm_train.ts`: plain
 * loops with float64 channel sums; add and ReLU fused into the same loops). On cpu/tensorflow
 * the op-based path below runs instead (tfjs's stock `batchNorm` gradient is built from
 * broadcasted Tile/Sum/Mean ops): channel sums are matrix products with a ones row vector
 * (`[1,M]·[M,C]`), add and ReLU are separate ops. Both use the textbook closed form:
 *
 *   x̂ = (x − μ)·σ⁻¹,  y = γ·x̂ + β
 *   ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ·σ⁻¹·(dy − ∂β/M − x̂·∂γ/M)
 *
 * with sums over the M = N·H·W positions of each channel and σ = sqrt(var + ε) (biased var).
 */
import { tf } from './tf';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batch_norm_train';

export interface BatchNormResult {
  /** Normalised output, same shape as x. */
  y: tf.Tensor;
  /** Batch mean per channel [C] (no gradient; for running statistics). */
  mean: tf.Tensor1D;
  /** Batch (biased) variance per channel [C] (no gradient). */
  variance: tf.Tensor1D;
}

function channelSum(x2d: tf.Tensor2D, ones: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(ones, x2d); // [1,M]·[M,C] → [1,C]
}

export interface BatchNormTrainOptions {
  /** Apply ReLU to the output (`max(y, 0)`), fused into the kernels on wasm. Default false. */
  relu?: boolean;
  /**
   * A tensor of x's shape added to the normalised output before the ReLU (a residual block's
   * skip branch: `relu(BN(x) + skip)`), fused on wasm. Default none.
   */
  residual?: tf.Tensor;
}

/**
 * Batch norm over all axes but the last, in training mode.
 *
 * @param x [..., C] (e.g. [N,H,W,C] or [N,C])
 * @param gamma [C] scale; @param beta [C] shift; @param epsilon default 1e-5.
 * @param options.relu return relu(y) (default false); on wasm its gradient is fused too.
 * @param options.residual added to y before the ReLU (default none).
 * @throws if gamma/beta do not have C elements, or the residual has not x's shape.
 * @example
 * const { y, mean, variance } = batchNormTrain(conv, gamma, beta, 1e-5, { relu: true });
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-5,
  options: BatchNormTrainOptions = {},
): BatchNormResult {
  const channels = x.shape[x.shape.length - 1];
  if (gamma.size !== channels || beta.size !== channels) {
    throw new Error(
      `batchNormTrain: gamma and beta must have ${channels} elements (x's last axis), got ${gamma.size} and ${beta.size}`,
    );
  }
  const { relu = false, residual } = options;
  if (residual && residual.shape.join() !== x.shape.join()) {
    throw new Error(
      `batchNormTrain: options.residual must have x's shape [${x.shape}], got [${residual.shape}]`,
    );
  }
  if (tf.getBackend() === 'wasm' && x.dtype === 'float32') {
    return batchNormTrainWasm(x, gamma, beta, epsilon, relu, residual);
  }
  const result = batchNormTrainOps(x, gamma, beta, epsilon);
  if (!relu && !residual) return result;
  const y = tf.tidy(() => {
    const sum = residual ? tf.add(result.y, residual) : result.y;
    return relu ? tf.relu(sum) : sum;
  });
  result.y.dispose();
  return { ...result, y };
}

/** The wasm path: forward and backward are single heap kernels. */
function batchNormTrainWasm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  relu: boolean,
  residual: tf.Tensor | undefined,
): BatchNormResult {
  const engine = tf.engine();
  const attrs = { epsilon, relu, residual: residual !== undefined };
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xIn, gammaIn, betaIn, residualIn] = args as tf.Tensor[];
    const inputs = {
      x: xIn,
      gamma: gammaIn,
      beta: betaIn,
      ...(residualIn && { residual: residualIn }),
    };
    const [y, mean, variance] = engine.runKernel(
      BATCH_NORM_TRAIN,
      inputs as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    save(relu ? [xIn, gammaIn, mean, variance, y] : [xIn, gammaIn, mean, variance]);
    stats = [tf.keep(mean) as tf.Tensor1D, tf.keep(variance) as tf.Tensor1D];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sGamma, sMean, sVariance, sy] = saved;
        const gradInputs = { dy, x: sx, gamma: sGamma, mean: sMean, variance: sVariance };
        const [dx, dGamma, dBeta, g] = engine.runKernel(
          BATCH_NORM_TRAIN_GRAD,
          (relu ? { ...gradInputs, y: sy } : gradInputs) as unknown as tf.NamedTensorMap,
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        const grads = [dx, tf.reshape(dGamma, gamma.shape), tf.reshape(dBeta, beta.shape)];
        // ∂residual: dy masked by the ReLU (the kernel's 4th output), else dy itself.
        return residualIn ? [...grads, relu ? g : tf.clone(dy)] : grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = (residual ? op(x, gamma, beta, residual) : op(x, gamma, beta)) as tf.Tensor;
  const [mean, variance] = stats!;
  return { y, mean, variance };
}

/** The op-based path (cpu, tensorflow): channel sums as ones-vector matMuls. */
function batchNormTrainOps(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): BatchNormResult {
  const channels = x.shape[x.shape.length - 1];
  const rows = x.size / channels;
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad(((
    xIn: tf.Tensor,
    gammaIn: tf.Tensor,
    betaIn: tf.Tensor,
    save: tf.GradSaveFunc,
  ) => {
    const x2d = tf.reshape(xIn, [rows, channels]) as tf.Tensor2D;
    const ones = tf.ones([1, rows]) as tf.Tensor2D;
    const mean = tf.div(channelSum(x2d, ones), rows); // [1,C]
    const centred = tf.sub(x2d, mean); // [M,C]
    const variance = tf.div(channelSum(tf.square(centred) as tf.Tensor2D, ones), rows); // [1,C]
    const invStd = tf.rsqrt(tf.add(variance, epsilon)); // [1,C]
    const xHat = tf.mul(centred, invStd); // [M,C]
    const y = tf.add(
      tf.mul(xHat, tf.reshape(gammaIn, [1, channels])),
      tf.reshape(betaIn, [1, channels]),
    );
    save([xHat, invStd, gammaIn]);
    stats = [tf.keep(tf.reshape(mean, [channels])), tf.keep(tf.reshape(variance, [channels]))];
    return {
      value: tf.reshape(y, xIn.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedXHat, savedInvStd, savedGamma] = saved;
        const dy2d = tf.reshape(dy, [rows, channels]) as tf.Tensor2D;
        const onesB = tf.ones([1, rows]) as tf.Tensor2D;
        const dBeta = channelSum(dy2d, onesB); // [1,C]
        const dGamma = channelSum(tf.mul(dy2d, savedXHat) as tf.Tensor2D, onesB); // [1,C]
        const scale = tf.mul(tf.reshape(savedGamma, [1, channels]), savedInvStd); // [1,C]
        const inner = tf.sub(
          tf.sub(dy2d, tf.div(dBeta, rows)),
          tf.mul(savedXHat, tf.div(dGamma, rows)),
        );
        const dx = tf.reshape(tf.mul(inner, scale), dy.shape);
        return [dx, tf.reshape(dGamma, [channels]), tf.reshape(dBeta, [channels])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta) as tf.Tensor;
  const [mean, variance] = stats!;
  return { y, mean, variance };
}

/** Inference-mode batch norm with running statistics: γ·(x − μ)/sqrt(σ² + ε) + β. */
export function batchNormInfer(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  movingMean: tf.Tensor,
  movingVariance: tf.Tensor,
  epsilon = 1e-5,
): tf.Tensor {
  // One FusedBatchNorm kernel (a single pass on wasm) instead of a multiply and an add.
  return tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon);
}
