/**
 * Colour changes that are linear in RGB, as one 3x3 matrix per sample: saturation, hue and
 * grayscale. A batch is transformed by a single batched matMul `[B, H*W, 3] x [B, 3, 3]`.
 *
 * Matrices here act on row vectors: `out[b, p, :] = x[b, p, :] @ M[b]`, so `M[b][k][c]` is the
 * weight of input channel k in output channel c.
 *
 * Hue uses the YIQ rotation approximation (not RGB->HSV->RGB as torchvision does): rotate the
 * chroma plane (I, Q) of NTSC YIQ by `-2 * pi * shift`, keeping luma Y exactly. The sign makes a
 * positive shift move red towards green, as in HSV; for mild shifts of saturated colours the HSV
 * hue moves by roughly `shift` (the test checks 0.05 on orange lands in 0.03-0.07), but it is an
 * approximation: saturation and value change a little, and large shifts can leave [0, 1] (clipped).
 */
import { tf } from '../engine/tf';
import { assertImages, perSampleTensor, type PerSample } from './per_sample';

/** ITU-R BT.601 luma weights for R, G, B (`rgb_to_grayscale` in torchvision). */
export const GRAY_WEIGHTS = Object.freeze([0.299, 0.587, 0.114] as const);

/** NTSC RGB -> YIQ (column-vector form: `yiq = RGB_TO_YIQ @ rgb`). */
export const RGB_TO_YIQ = Object.freeze([
  [0.299, 0.587, 0.114],
  [0.595716, -0.274453, -0.321263],
  [0.211456, -0.522591, 0.311135],
] as const);

function invert3(m: readonly (readonly number[])[]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** YIQ -> RGB, the exact inverse of `RGB_TO_YIQ`. */
export const YIQ_TO_RGB = Object.freeze(invert3(RGB_TO_YIQ));

/**
 * Applies per-sample colour matrices: `out[b] = images[b] @ matrices[b]`, optionally clipped.
 * @param images `[B, H, W, 3]` float32.
 * @param matrices `[B, 3, 3]` row-vector matrices (see the module note).
 * @returns `[B, H, W, 3]`.
 */
export function applyColorMatrices(
  images: tf.Tensor4D,
  matrices: tf.Tensor3D,
  clip = true,
): tf.Tensor4D {
  assertImages('applyColorMatrices', images);
  const [b, h, w] = images.shape;
  if (
    matrices.rank !== 3 ||
    matrices.shape[0] !== b ||
    matrices.shape[1] !== 3 ||
    matrices.shape[2] !== 3
  ) {
    throw new Error(
      `applyColorMatrices: matrices must have shape [${b}, 3, 3], got [${matrices.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const flat = tf.reshape(images, [b, h * w, 3]); // [B, HW, 3]
    const out = tf.reshape(tf.matMul(flat, matrices), [b, h, w, 3]);
    return (clip ? tf.clipByValue(out, 0, 1) : out) as tf.Tensor4D;
  });
}

/** `[3, 3]` row-vector matrix whose every output channel is the luma. */
function grayMatrix(): tf.Tensor2D {
  const [r, g, b] = GRAY_WEIGHTS;
  return tf.tensor2d([r, r, r, g, g, g, b, b, b], [3, 3]);
}

/**
 * Saturation matrices `f * I + (1 - f) * gray` (torchvision `adjust_saturation` before clipping).
 * @param factors `[B]`; 1 = unchanged (exact identity), 0 = grayscale.
 * @returns `[B, 3, 3]`.
 */
export function saturationMatrices(factors: PerSample, batch: number): tf.Tensor3D {
  return tf.tidy(() => {
    const f = tf.reshape(perSampleTensor('saturationMatrices', 'factors', factors, batch), [
      batch,
      1,
      1,
    ]);
    return tf.add(tf.mul(f, tf.eye(3)), tf.mul(tf.sub(1, f), grayMatrix())) as tf.Tensor3D;
  });
}

/**
 * Hue matrices by YIQ rotation of `-2 * pi * shift` (see the module note).
 * @param shifts `[B]` in turns, `[-0.5, 0.5]`; 0 gives the exact identity.
 * @returns `[B, 3, 3]`.
 */
export function hueMatrices(shifts: PerSample, batch: number): tf.Tensor3D {
  return tf.tidy(() => {
    const shift = perSampleTensor('hueMatrices', 'shifts', shifts, batch);
    const angle = tf.mul(shift, -2 * Math.PI);
    const c = tf.cos(angle);
    const s = tf.sin(angle);
    const one = tf.onesLike(c);
    const zero = tf.zerosLike(c);
    // column-vector rotation of (I, Q), [B, 3, 3]
    const rotation = tf.reshape(tf.stack([one, zero, zero, zero, c, tf.neg(s), zero, s, c], 1), [
      batch,
      3,
      3,
    ]);
    const toYiq = tf.tensor2d(RGB_TO_YIQ.flat(), [3, 3]);
    const toRgb = tf.tensor2d(YIQ_TO_RGB.flat(), [3, 3]);
    const column = tf.matMul(
      tf.matMul(tf.broadcastTo(toRgb, [batch, 3, 3]), rotation),
      tf.broadcastTo(toYiq, [batch, 3, 3]),
    );
    const rowForm = tf.transpose(column, [0, 2, 1]); // row-vector convention
    const identity = tf.broadcastTo(tf.eye(3), [batch, 3, 3]);
    return tf.where(
      tf.broadcastTo(tf.reshape(tf.equal(shift, 0), [batch, 1, 1]), [batch, 3, 3]),
      identity,
      rowForm,
    ) as tf.Tensor3D;
  });
}

/**
 * Grayscale-or-identity matrices: luma in all three channels where `mask` is 1.
 * @param mask `[B]` of 0/1.
 * @returns `[B, 3, 3]`.
 */
export function grayscaleMatrices(mask: PerSample, batch: number): tf.Tensor3D {
  return tf.tidy(() => {
    const m = tf.reshape(perSampleTensor('grayscaleMatrices', 'mask', mask, batch), [batch, 1, 1]);
    return tf.add(tf.mul(m, grayMatrix()), tf.mul(tf.sub(1, m), tf.eye(3))) as tf.Tensor3D;
  });
}
