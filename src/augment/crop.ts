/**
 * Random resized crop and flips, both done by one `tf.image.cropAndResize` (bilinear) with one box
 * per sample. A flip is a box with its corners swapped (`x1 > x2` mirrors left-right, `y1 > y2`
 * upside-down), so a flipped crop costs nothing extra; on wasm this is also ~8x faster than
 * `tf.where(mask, tf.reverse(x, 2), x)` with a broadcast mask.
 *
 * Boxes are `[y1, x1, y2, x2]` normalised so that 0 and 1 are the centres of the first and last
 * pixel (tfjs' convention). A crop of rows `i .. i+h-1` is `y1 = i / (H-1), y2 = (i+h-1) / (H-1)`:
 * output corners land on input pixel centres (align-corners resampling; torchvision uses
 * half-pixel centres and, when shrinking, antialiasing, so edges differ by up to half a pixel).
 */
import { tf } from '../engine/tf';
import type { Rng } from '../util/random';
import type { CropConfig } from './schema';
import { assertImages, perSampleArray, type PerSample } from './per_sample';

/** A crop in input pixels: rows `top .. top+height-1`, columns `left .. left+width-1`. */
export interface CropRect {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * torchvision's `RandomResizedCrop.get_params`: up to 10 tries of area `scale * H * W` and
 * log-uniform aspect `ratio`, then a centre crop clamped to the ratio range.
 */
export function sampleCropRect(
  rng: Rng,
  height: number,
  width: number,
  config: CropConfig,
): CropRect {
  const area = height * width;
  const [logLow, logHigh] = [Math.log(config.ratio[0]), Math.log(config.ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(config.scale[0], config.scale[1]);
    const aspect = Math.exp(rng.uniform(logLow, logHigh));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < config.ratio[0]) h = Math.round(w / config.ratio[0]);
  else if (inRatio > config.ratio[1]) w = Math.round(h * config.ratio[1]);
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/** The normalised box `[y1, x1, y2, x2]` of a crop, corners swapped for flips. */
export function cropBox(
  rect: CropRect,
  height: number,
  width: number,
  flipH = false,
  flipV = false,
): number[] {
  const ny = (v: number) => (height > 1 ? v / (height - 1) : 0);
  const nx = (v: number) => (width > 1 ? v / (width - 1) : 0);
  let [y1, y2] = [ny(rect.top), ny(rect.top + rect.height - 1)];
  let [x1, x2] = [nx(rect.left), nx(rect.left + rect.width - 1)];
  if (flipV) [y1, y2] = [y2, y1];
  if (flipH) [x1, x2] = [x2, x1];
  return [y1, x1, y2, x2];
}

/**
 * Crops each sample to its box and resizes to `size x size` (bilinear).
 * @param images `[B, H, W, 3]` float32.
 * @param boxes `[B, 4]` normalised `[y1, x1, y2, x2]`, one per sample (flipped boxes mirror).
 * @returns `[B, size, size, 3]`; values stay within the input range.
 */
export function cropResize(
  images: tf.Tensor4D,
  boxes: tf.Tensor2D | ArrayLike<number>,
  size: number,
): tf.Tensor4D {
  assertImages('cropResize', images);
  const batch = images.shape[0];
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`cropResize: size must be a positive integer, got ${size}`);
  }
  const count = boxes instanceof tf.Tensor ? boxes.size : boxes.length;
  if (count !== batch * 4) {
    throw new Error(`cropResize: boxes must have shape [${batch}, 4], got ${count} values`);
  }
  return tf.tidy(() => {
    const boxTensor =
      boxes instanceof tf.Tensor
        ? tf.reshape(boxes, [batch, 4])
        : tf.tensor2d(Array.from(boxes), [batch, 4]);
    const indices = tf.range(0, batch, 1, 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(
      images,
      boxTensor as tf.Tensor2D,
      indices,
      [size, size],
      'bilinear',
    );
  });
}

function flipWith(
  fn: string,
  images: tf.Tensor4D,
  mask: PerSample,
  horizontal: boolean,
): tf.Tensor4D {
  assertImages(fn, images);
  const [batch, height, width] = images.shape;
  const flags = perSampleArray(fn, 'mask', mask, batch);
  const full = { top: 0, left: 0, height, width };
  const boxes: number[] = [];
  for (let b = 0; b < batch; b++) {
    const on = flags[b] !== 0;
    boxes.push(...cropBox(full, height, width, horizontal && on, !horizontal && on));
  }
  return tf.tidy(() => {
    const indices = tf.range(0, batch, 1, 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(images, tf.tensor2d(boxes, [batch, 4]), indices, [height, width]);
  });
}

/**
 * Mirrors left-right the samples whose mask is 1 (exact: whole-pixel sampling positions).
 * @param images `[B, H, W, 3]`; @param mask `[B]` of 0/1. @returns `[B, H, W, 3]`.
 */
export function flipHorizontal(images: tf.Tensor4D, mask: PerSample): tf.Tensor4D {
  return flipWith('flipHorizontal', images, mask, true);
}

/**
 * Mirrors upside-down the samples whose mask is 1.
 * @param images `[B, H, W, 3]`; @param mask `[B]` of 0/1. @returns `[B, H, W, 3]`.
 */
export function flipVertical(images: tf.Tensor4D, mask: PerSample): tf.Tensor4D {
  return flipWith('flipVertical', images, mask, false);
}
