import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  colorJitter,
  randomGrayscale,
} from '../../src/augment/color_ops';
import { RGB_TO_YIQ, YIQ_TO_RGB } from '../../src/augment/color_matrix';
import {
  at,
  clip01,
  hueOf,
  luma,
  mapPixels,
  randomImages,
  toTensor,
  type HostImages,
} from './reference';

const img = randomImages(3, 4, 5, 7);

function expectClose(actual: tf.Tensor, expected: HostImages, tolerance = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  const values = actual.dataSync();
  let worst = 0;
  for (let i = 0; i < values.length; i++)
    worst = Math.max(worst, Math.abs(values[i] - expected.data[i]));
  expect(worst).toBeLessThan(tolerance);
}

function run(fn: (x: tf.Tensor4D) => tf.Tensor4D, images: HostImages = img): tf.Tensor4D {
  const x = toTensor(images);
  const before = tf.memory().numTensors;
  const out = fn(x);
  expect(tf.memory().numTensors).toBe(before + 1); // only the output survives
  x.dispose();
  return out;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('colour ops against per-pixel references', () => {
  it('brightness: clip(f * x) per sample', () => {
    const f = [0.5, 1, 1.7];
    const out = run((x) => adjustBrightness(x, f));
    expectClose(
      out,
      mapPixels(img.shape, (b, y, x, c) => clip01(f[b] * at(img, b, y, x, c))),
    );
    out.dispose();
  });

  it('contrast: blend with the mean luma of each image', () => {
    const f = [0.2, 1, 1.8];
    const [, h, w] = img.shape;
    const means = f.map((_, b) => {
      let sum = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sum += luma(img, b, y, x);
      return sum / (h * w);
    });
    const factors = tf.tensor1d(f); // a [B] tensor works as well as an array
    const out = run((x) => adjustContrast(x, factors));
    expectClose(
      out,
      mapPixels(img.shape, (b, y, x, c) =>
        clip01(f[b] * at(img, b, y, x, c) + (1 - f[b]) * means[b]),
      ),
    );
    tf.dispose([out, factors]);
  });

  it('saturation: blend with the per-pixel luma; factor 1 is exact identity', () => {
    const f = [0, 1, 1.6];
    const out = run((x) => adjustSaturation(x, f));
    expectClose(
      out,
      mapPixels(img.shape, (b, y, x, c) =>
        clip01(f[b] * at(img, b, y, x, c) + (1 - f[b]) * luma(img, b, y, x)),
      ),
    );
    const values = out.dataSync();
    const n = 4 * 5 * 3;
    for (let i = 0; i < n; i++) expect(values[n + i]).toBe(img.data[n + i]);
    out.dispose();
  });

  it('grayscale uses ITU-R 601 weights 0.299 / 0.587 / 0.114 in all channels of masked samples', () => {
    const out = run((x) => randomGrayscale(x, [1, 0, 1]));
    expectClose(
      out,
      mapPixels(img.shape, (b, y, x, c) => (b === 1 ? at(img, b, y, x, c) : luma(img, b, y, x))),
    );
    out.dispose();
    const pure = run(
      (x) => randomGrayscale(x, [1]),
      mapPixels([1, 1, 3, 3], (_, __, x, c) => (x === c ? 1 : 0)),
    );
    expect(
      Array.from(pure.dataSync())
        .filter((_, i) => i % 3 === 0)
        .map((v) => +v.toFixed(6)),
    ).toEqual([0.299, 0.587, 0.114]);
    pure.dispose();
  });

  it('hue: YIQ rotation by -2 pi shift, luma kept, red moves towards green, close to HSV for small shifts', () => {
    const shifts = [0.05, 0, -0.1];
    const rotate = (b: number, y: number, x: number): number[] => {
      const rgb = [0, 1, 2].map((c) => at(img, b, y, x, c));
      const [Y, I, Q] = RGB_TO_YIQ.map(
        (row) => row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2],
      );
      const a = -2 * Math.PI * shifts[b];
      const yiq = [Y, I * Math.cos(a) - Q * Math.sin(a), I * Math.sin(a) + Q * Math.cos(a)];
      return YIQ_TO_RGB.map((row) => clip01(row[0] * yiq[0] + row[1] * yiq[1] + row[2] * yiq[2]));
    };
    const out = run((x) => adjustHue(x, shifts));
    expectClose(
      out,
      mapPixels(img.shape, (b, y, x, c) =>
        shifts[b] === 0 ? at(img, b, y, x, c) : rotate(b, y, x)[c],
      ),
    );
    out.dispose();

    const orange = mapPixels([1, 1, 1, 3], (_, __, ___, c) => [0.8, 0.3, 0.2][c]);
    const shifted = run((x) => adjustHue(x, [0.05]), orange);
    const [r, g, b] = shifted.dataSync();
    expect(0.299 * r + 0.587 * g + 0.114 * b).toBeCloseTo(
      0.299 * 0.8 + 0.587 * 0.3 + 0.114 * 0.2,
      5,
    );
    const moved = hueOf(r, g, b) - hueOf(0.8, 0.3, 0.2);
    expect(moved).toBeGreaterThan(0.03);
    expect(moved).toBeLessThan(0.07);
    shifted.dispose();
  });

  it('colour jitter applies the adjustments in the given order', () => {
    const factors = {
      brightness: [1.5, 1, 0.5],
      contrast: [0.5, 1.2, 1],
      saturation: [1, 1, 1],
      hue: [0, 0, 0],
    };
    const x = toTensor(img);
    const forward = colorJitter(x, factors, [0, 1, 2, 3]);
    const backward = colorJitter(x, factors, [3, 2, 1, 0]);
    const manual = tf.tidy(() =>
      adjustBrightness(adjustContrast(x, factors.contrast), factors.brightness),
    );
    expect(Array.from(backward.dataSync())).toEqual(Array.from(manual.dataSync()));
    expect(Array.from(forward.dataSync())).not.toEqual(Array.from(backward.dataSync()));
    expect(() => colorJitter(x, factors, [0, 1, 2])).toThrow(
      /colorJitter: order must be a permutation of \[0, 1, 2, 3\], got \[0, 1, 2\]/,
    );
    tf.dispose([x, forward, backward, manual]);
  });

  it('names the op and argument on bad inputs', () => {
    const x = toTensor(img);
    expect(() => adjustBrightness(x, [1, 2])).toThrow(
      /adjustBrightness: factors must have one value per image \(3\), got length 2/,
    );
    const gray = tf.zeros([2, 4, 4, 1]);
    expect(() => adjustContrast(gray as tf.Tensor4D, [1, 1])).toThrow(
      /adjustContrast: images must have shape \[B, H, W, 3\], got \[2, 4, 4, 1\]/,
    );
    tf.dispose([x, gray]);
  });
});
