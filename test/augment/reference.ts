/**
 * Plain per-pixel JS references for the augmentation ops, on images stored as flat
 * `[B, H, W, 3]` Float32Arrays. Written from the definitions, not from the implementation.
 */
import { tf } from '../../src/engine/tf';
import { seededValues } from '../helpers/compare';

export interface HostImages {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** Seeded images in [0, 1). */
export function randomImages(
  batch: number,
  height: number,
  width: number,
  seed: number,
): HostImages {
  const data = seededValues(batch * height * width * 3, seed).map((v) => (v + 1) / 2);
  return { data, shape: [batch, height, width, 3] };
}

export function toTensor(images: HostImages): tf.Tensor4D {
  return tf.tensor4d(images.data, images.shape);
}

export const at = (img: HostImages, b: number, y: number, x: number, c: number): number => {
  const [, h, w] = img.shape;
  return img.data[((b * h + y) * w + x) * 3 + c];
};

/** Builds a `[B, H, W, 3]` image from a per-pixel function. */
export function mapPixels(
  shape: [number, number, number, number],
  fn: (b: number, y: number, x: number, c: number) => number,
): HostImages {
  const [batch, h, w] = shape;
  const data = new Float32Array(batch * h * w * 3);
  let i = 0;
  for (let b = 0; b < batch; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[i++] = fn(b, y, x, c);
  return { data, shape };
}

export const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

export const luma = (img: HostImages, b: number, y: number, x: number): number =>
  0.299 * at(img, b, y, x, 0) + 0.587 * at(img, b, y, x, 1) + 0.114 * at(img, b, y, x, 2);

/** TF's crop_and_resize (bilinear) of one sample at one output pixel. */
export function cropAndResizeAt(
  img: HostImages,
  b: number,
  box: number[],
  size: number,
  y: number,
  x: number,
  c: number,
): number {
  const [, h, w] = img.shape;
  const [y1, x1, y2, x2] = box;
  const inY =
    y1 * (h - 1) +
    (size > 1 ? (y * (y2 - y1) * (h - 1)) / (size - 1) : 0.5 * (y1 + y2) * (h - 1) - y1 * (h - 1));
  const inX =
    x1 * (w - 1) +
    (size > 1 ? (x * (x2 - x1) * (w - 1)) / (size - 1) : 0.5 * (x1 + x2) * (w - 1) - x1 * (w - 1));
  const [top, bottom, left, right] = [
    Math.floor(inY),
    Math.ceil(inY),
    Math.floor(inX),
    Math.ceil(inX),
  ];
  const [dy, dx] = [inY - top, inX - left];
  const topValue =
    at(img, b, top, left, c) + (at(img, b, top, right, c) - at(img, b, top, left, c)) * dx;
  const bottomValue =
    at(img, b, bottom, left, c) + (at(img, b, bottom, right, c) - at(img, b, bottom, left, c)) * dx;
  return topValue + (bottomValue - topValue) * dy;
}

/** Reflect-padded index (torchvision / numpy 'reflect': no edge repeat). */
export function reflect(i: number, n: number): number {
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/** Separable 2-D convolution of every channel with `kernel` (odd length), reflect padding. */
export function blurReference(img: HostImages, b: number, kernel: Float32Array): HostImages {
  const [, h, w] = img.shape;
  const half = (kernel.length - 1) / 2;
  const across = mapPixels([1, h, w, 3], (_, y, x, c) =>
    kernel.reduce((sum, k, j) => sum + k * at(img, b, y, reflect(x + j - half, w), c), 0),
  );
  return mapPixels([1, h, w, 3], (_, y, x, c) =>
    kernel.reduce((sum, k, j) => sum + k * at(across, 0, reflect(y + j - half, h), x, c), 0),
  );
}

/** RGB -> HSV hue in turns [0, 1). */
export function hueOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  let h = max === r ? (g - b) / d : max === g ? 2 + (b - r) / d : 4 + (r - g) / d;
  h /= 6;
  return h < 0 ? h + 1 : h;
}
