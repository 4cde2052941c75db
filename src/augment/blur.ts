/**
 * Gaussian blur with a different sigma per sample, in one pass over the batch.
 *
 * The batch is folded into the channels (`[B, H, W, 3] -> [1, H, W, B*3]`), so a depthwise
 * convolution applies sample b's kernel to channels `3b .. 3b+2`: exact per-sample kernels with
 * two separable depthwise convs (horizontal, then vertical), with reflect padding like
 * torchvision's `gaussian_blur`. Samples with sigma 0 are left out of the convolution (selected
 * away and merged back by `selectSamples`), so a blur probability of 0.1 costs about a tenth of blurring all.
 */
import { tf } from '../engine/tf';
import { assertImages, perSampleArray, type PerSample } from './per_sample';

/**
 * The normalised 1-D Gaussian `exp(-x^2 / (2 sigma^2))` at `x = -(k-1)/2 .. (k-1)/2`.
 * @param sigma > 0, or 0 for the identity kernel (a centred 1).
 * @param size odd kernel length k.
 */
export function gaussianKernel1d(sigma: number, size: number): Float32Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new Error(`gaussianKernel1d: size must be a positive odd integer, got ${size}`);
  }
  if (!(sigma >= 0)) throw new Error(`gaussianKernel1d: sigma must be >= 0, got ${sigma}`);
  const half = (size - 1) / 2;
  const kernel = new Float32Array(size);
  if (sigma === 0) {
    kernel[half] = 1;
    return kernel;
  }
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = i - half;
    total += kernel[i] = Math.exp(-0.5 * (x / sigma) ** 2);
  }
  for (let i = 0; i < size; i++) kernel[i] /= total;
  return kernel;
}

/** The default kernel side for a largest sigma: `2 * ceil(3 * sigma) + 1`, below `2 * side - 1`. */
export function autoKernelSize(sigmaMax: number, side: number): number {
  const wanted = 2 * Math.ceil(3 * sigmaMax) + 1;
  return Math.max(1, Math.min(wanted, 2 * side - 1));
}

/** Blurs every sample of `x` with its row of `kernels` ([n, k], host). */
function blurAll(x: tf.Tensor4D, kernels: Float32Array, size: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const channels = n * 3;
  const filter = new Float32Array(size * channels); // [k, n*3]: filter[j][3b + c] = kernel_b[j]
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < size; j++) {
      const weight = kernels[b * size + j];
      const row = j * channels + b * 3;
      filter[row] = weight;
      filter[row + 1] = weight;
      filter[row + 2] = weight;
    }
  }
  const pad = (size - 1) / 2;
  const folded = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, channels]) as tf.Tensor4D; // [1, H, W, n*3]
  // one reflect pad of both axes: blurring the padded rows across equals padding the blurred rows
  const padded = tf.mirrorPad(
    folded,
    [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ],
    'reflect',
  ); // [1, H+2p, W+2p, n*3]
  const across = tf.depthwiseConv2d(
    padded,
    tf.tensor4d(filter, [1, size, channels, 1]),
    1,
    'valid',
  ); // [1, H+2p, W, n*3]
  const down = tf.depthwiseConv2d(across, tf.tensor4d(filter, [size, 1, channels, 1]), 1, 'valid'); // [1, H, W, n*3]
  return tf.transpose(tf.reshape(down, [h, w, n, 3]), [2, 0, 1, 3]); // [n, H, W, 3]
}

/**
 * `images[indices]` along the batch. Done by `cropAndResize` with whole-image boxes (exact: every
 * sampling position is a pixel centre), which on wasm is ~8x faster than `tf.gather`.
 * @param images `[B, H, W, C]`. @returns `[indices.length, H, W, C]`.
 */
export function selectSamples(images: tf.Tensor4D, indices: readonly number[]): tf.Tensor4D {
  const [, h, w] = images.shape;
  return tf.tidy(() => {
    const boxes = tf.tensor2d(
      indices.flatMap(() => [0, 0, 1, 1]),
      [indices.length, 4],
    );
    return tf.image.cropAndResize(images, boxes, tf.tensor1d(indices as number[], 'int32'), [h, w]);
  });
}

/**
 * Gaussian blur with per-sample sigma.
 * @param images `[B, H, W, 3]` float32.
 * @param sigmas `[B]` in pixels; 0 leaves a sample unchanged.
 * @param kernelSize odd kernel side, `< 2 * min(H, W)`.
 * @returns `[B, H, W, 3]`; a convex combination of input pixels, so [0, 1] stays [0, 1].
 */
export function gaussianBlur(
  images: tf.Tensor4D,
  sigmas: PerSample,
  kernelSize: number,
): tf.Tensor4D {
  assertImages('gaussianBlur', images);
  const [batch, height, width] = images.shape;
  const sigma = perSampleArray('gaussianBlur', 'sigmas', sigmas, batch);
  if (
    !Number.isInteger(kernelSize) ||
    kernelSize < 1 ||
    kernelSize % 2 === 0 ||
    kernelSize >= 2 * Math.min(height, width)
  ) {
    throw new Error(
      `gaussianBlur: kernelSize must be odd and < 2 * min(H, W) = ${2 * Math.min(height, width)}, got ${kernelSize}`,
    );
  }
  const selected: number[] = [];
  const rest: number[] = [];
  for (let b = 0; b < batch; b++) (sigma[b] > 0 ? selected : rest).push(b);
  if (selected.length === 0 || kernelSize === 1) return tf.clone(images);
  const kernels = new Float32Array(selected.length * kernelSize);
  selected.forEach((b, i) => kernels.set(gaussianKernel1d(sigma[b], kernelSize), i * kernelSize));
  return tf.tidy(() => {
    if (rest.length === 0) return blurAll(images, kernels, kernelSize);
    const blurred = blurAll(selectSamples(images, selected), kernels, kernelSize);
    const merged = tf.concat([blurred, selectSamples(images, rest)], 0); // selected first, then rest
    const position = new Array<number>(batch);
    [...selected, ...rest].forEach((b, i) => (position[b] = i));
    return selectSamples(merged, position);
  });
}
