/**
 * Training-mode batch norm (Ioffe & Szegedy 2015) for the wasm backend, as two plain loops over
 * the heap, optionally fused with the ReLU that follows it.
 *
 *   μ = Σx / M,  σ² = Σ(x − μ)² / M,  x̂ = (x − μ)·(σ² + ε)^(−1/2),  y = γ·x̂ + β [+ r] [relu: max(y, 0)]
 *   ∂β = Σ g,  ∂γ = Σ g·x̂,  ∂x = γ·σ⁻¹·(g − ∂β/M − x̂·∂γ/M),  ∂r = g,  g = dy  [relu: dy·(y > 0)]
 *
 * with sums over the M = N·H·W rows of each channel (x viewed as [M, C]), accumulated in
 * Float64Array. The op-based form (channel sums as `[1,M]·[M,C]` matMuls) spends most of its time
 * in XNNPACK packing the big operand on every call; these loops read x twice and write y once.
 *
 * - `FaceclrBatchNormTrain`: x [..., C], gamma [C], beta [C], optional residual r (x's shape, a
 *   ResNet's skip branch, added before the ReLU) → y (x's shape), mean [C], variance [C]
 *   (biased). attrs: epsilon, relu.
 * - `FaceclrBatchNormTrainGrad`: dy, x, gamma, mean, variance, y (only with relu: the forward
 *   output, whose sign masks dy) → dx, dgamma, dbeta, and with relu and `residual` set, g (∂r).
 *   attrs: epsilon, relu, residual.
 */
import { tf } from '../tf';
import { WasmBackendLike } from './wasm_ops';

export const BATCH_NORM_TRAIN = 'FaceclrBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'FaceclrBatchNormTrainGrad';

export interface BatchNormTrainAttrs {
  epsilon: number;
  relu: boolean;
  /** Grad only: also output the masked gradient g (the residual's gradient). */
  residual?: boolean;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

function checkChannels(name: string, x: tf.TensorInfo, vectors: Record<string, tf.TensorInfo>) {
  const channels = x.shape[x.shape.length - 1];
  for (const [arg, t] of Object.entries(vectors)) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== channels || t.dtype !== 'float32') {
      throw new Error(
        `${name}: ${arg} must be float32 with ${channels} elements (x's last axis), got ${t.dtype} [${t.shape}]`,
      );
    }
  }
  if (x.dtype !== 'float32') throw new Error(`${name}: x must be float32, got ${x.dtype}`);
  return channels;
}

/** Per-channel scale γ·σ⁻¹ and shift β − μ·γ·σ⁻¹ (float64), and σ⁻¹. */
function affine(
  gamma: Float32Array,
  beta: Float32Array | undefined,
  mean: Float64Array,
  variance: Float64Array,
  epsilon: number,
) {
  const c = gamma.length;
  const invStd = new Float64Array(c);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    invStd[k] = 1 / Math.sqrt(variance[k] + epsilon);
    scale[k] = gamma[k] * invStd[k];
    shift[k] = (beta ? beta[k] : 0) - mean[k] * scale[k];
  }
  return { invStd, scale, shift };
}

/** The forward kernel; see the file comment. */
export function batchNormTrainKernel(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta, residual } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x || !gamma || !beta) throw new Error(`${BATCH_NORM_TRAIN}: x, gamma and beta are required`);
  if (residual && residual.shape.join() !== x.shape.join()) {
    throw new Error(
      `${BATCH_NORM_TRAIN}: residual must have x's shape [${x.shape}], got [${residual.shape}]`,
    );
  }
  const { epsilon, relu } = args.attrs as unknown as BatchNormTrainAttrs;
  const backend = args.backend as WasmBackendLike;
  const c = checkChannels(BATCH_NORM_TRAIN, x, { gamma, beta });
  const out = backend.makeOutput(x.shape, 'float32');
  const meanOut = backend.makeOutput([c], 'float32');
  const varOut = backend.makeOutput([c], 'float32');
  // Views only after the last allocation: heap growth detaches earlier ones.
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const ys = backend.typedArrayFromHeap(out) as Float32Array;
  const m = xs.length / c;
  // Shifted sums (shift = the first row) keep Σx² − (Σx)²/M well conditioned.
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let p = 0; p < xs.length; p += c) {
    for (let k = 0; k < c; k++) {
      const d = xs[p + k] - xs[k];
      sum[k] += d;
      sumSq[k] += d * d;
    }
  }
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const d = sum[k] / m;
    mean[k] = xs[k] + d;
    variance[k] = Math.max(sumSq[k] / m - d * d, 0);
  }
  const gammas = backend.typedArrayFromHeap(gamma) as Float32Array;
  const betas = backend.typedArrayFromHeap(beta) as Float32Array;
  const { scale, shift } = affine(gammas, betas, mean, variance, epsilon);
  if (residual) {
    const rs = backend.typedArrayFromHeap(residual) as Float32Array;
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        const v = xs[p + k] * scale[k] + shift[k] + rs[p + k];
        ys[p + k] = relu ? (v + Math.abs(v)) * 0.5 : v;
      }
    }
  } else if (relu) {
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        const v = xs[p + k] * scale[k] + shift[k];
        ys[p + k] = (v + Math.abs(v)) * 0.5; // max(v, 0) without a mispredicted branch
      }
    }
  } else {
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) ys[p + k] = xs[p + k] * scale[k] + shift[k];
    }
  }
  (backend.typedArrayFromHeap(meanOut) as Float32Array).set(mean);
  (backend.typedArrayFromHeap(varOut) as Float32Array).set(variance);
  return [out, meanOut, varOut];
}

/** The backward kernel; see the file comment. */
export function batchNormTrainGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, gamma, mean, variance, y } = args.inputs as Record<string, tf.TensorInfo>;
  const { epsilon, relu, residual } = args.attrs as unknown as BatchNormTrainAttrs;
  const backend = args.backend as WasmBackendLike;
  const c = checkChannels(BATCH_NORM_TRAIN_GRAD, x, { gamma, mean, variance });
  if (relu && !y) throw new Error(`${BATCH_NORM_TRAIN_GRAD}: y is required when relu is set`);
  for (const [arg, t] of [
    ['dy', dy],
    ['y', y ?? x],
  ] as const) {
    if (t.shape.join() !== x.shape.join()) {
      throw new Error(
        `${BATCH_NORM_TRAIN_GRAD}: ${arg} must have x's shape [${x.shape}], got [${t.shape}]`,
      );
    }
  }
  const dxOut = backend.makeOutput(x.shape, 'float32');
  const dGammaOut = backend.makeOutput([c], 'float32');
  const dBetaOut = backend.makeOutput([c], 'float32');
  const gOut = relu && residual ? backend.makeOutput(x.shape, 'float32') : undefined;
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const ys = backend.typedArrayFromHeap(relu ? y : x) as Float32Array;
  const dxs = backend.typedArrayFromHeap(dxOut) as Float32Array;
  const mu = Float64Array.from(backend.typedArrayFromHeap(mean) as Float32Array);
  const sigma2 = Float64Array.from(backend.typedArrayFromHeap(variance) as Float32Array);
  const gammas = backend.typedArrayFromHeap(gamma) as Float32Array;
  const { invStd, scale } = affine(gammas, undefined, mu, sigma2, epsilon);
  const m = xs.length / c;
  const dBeta = new Float64Array(c);
  const dyx = new Float64Array(c); // Σ g·(x − μ)
  if (gOut) {
    const gs = backend.typedArrayFromHeap(gOut) as Float32Array;
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        const g = dys[p + k] * +(ys[p + k] > 0);
        gs[p + k] = g;
        dBeta[k] += g;
        dyx[k] += g * (xs[p + k] - mu[k]);
      }
    }
  } else if (relu) {
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        const g = dys[p + k] * +(ys[p + k] > 0);
        dBeta[k] += g;
        dyx[k] += g * (xs[p + k] - mu[k]);
      }
    }
  } else {
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        const g = dys[p + k];
        dBeta[k] += g;
        dyx[k] += g * (xs[p + k] - mu[k]);
      }
    }
  }
  // ∂x = scale·(g − ∂β/M − (x − μ)·σ⁻²·Σg(x − μ)/M) = scale·g − a·(x − μ) − b per channel.
  const dGamma = new Float64Array(c);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    dGamma[k] = dyx[k] * invStd[k];
    a[k] = (scale[k] * invStd[k] * invStd[k] * dyx[k]) / m;
    b[k] = (scale[k] * dBeta[k]) / m;
  }
  if (relu) {
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        const g = dys[p + k] * +(ys[p + k] > 0);
        dxs[p + k] = scale[k] * g - a[k] * (xs[p + k] - mu[k]) - b[k];
      }
    }
  } else {
    for (let p = 0; p < xs.length; p += c) {
      for (let k = 0; k < c; k++) {
        dxs[p + k] = scale[k] * dys[p + k] - a[k] * (xs[p + k] - mu[k]) - b[k];
      }
    }
  }
  (backend.typedArrayFromHeap(dGammaOut) as Float32Array).set(dGamma);
  (backend.typedArrayFromHeap(dBetaOut) as Float32Array).set(dBeta);
  return gOut ? [dxOut, dGammaOut, dBetaOut, gOut] : [dxOut, dGammaOut, dBetaOut];
}

export const batchNormTrainConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'wasm',
  kernelFunc: batchNormTrainKernel as unknown as tf.KernelFunc,
};

export const batchNormTrainGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainGradKernel as unknown as tf.KernelFunc,
};
