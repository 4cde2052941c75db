import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import {
  cropBox,
  cropResize,
  flipHorizontal,
  flipVertical,
  sampleCropRect,
} from '../../src/augment/crop';
import { autoKernelSize, gaussianBlur, gaussianKernel1d } from '../../src/augment/blur';
import { normalize, solarize } from '../../src/augment/point_ops';
import { Rng } from '../../src/util/random';
import {
  at,
  blurReference,
  cropAndResizeAt,
  mapPixels,
  randomImages,
  toTensor,
  type HostImages,
} from './reference';

function maxDiff(actual: tf.Tensor, expected: HostImages): number {
  expect(actual.shape).toEqual(expected.shape);
  const values = actual.dataSync();
  return Array.from(values).reduce(
    (worst, v, i) => Math.max(worst, Math.abs(v - expected.data[i])),
    0,
  );
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('random resized crop', () => {
  it('samples rects inside the image with area and ratio in range', () => {
    const rng = new Rng(1);
    const config = {
      scale: [0.2, 0.6] as [number, number],
      ratio: [0.75, 4 / 3] as [number, number],
    };
    for (let i = 0; i < 200; i++) {
      const r = sampleCropRect(rng, 60, 80, config);
      expect(r.top).toBeGreaterThanOrEqual(0);
      expect(r.left).toBeGreaterThanOrEqual(0);
      expect(r.top + r.height).toBeLessThanOrEqual(60);
      expect(r.left + r.width).toBeLessThanOrEqual(80);
      const area = (r.width * r.height) / (60 * 80);
      expect(area).toBeGreaterThan(0.2 - 0.03);
      expect(area).toBeLessThan(0.6 + 0.03);
      expect(r.width / r.height).toBeGreaterThan(0.75 * 0.9);
      expect(r.width / r.height).toBeLessThan((4 / 3) * 1.1);
    }
  });

  it('falls back to a centre crop clamped to the ratio range', () => {
    const r = sampleCropRect(new Rng(2), 10, 100, { scale: [1, 1], ratio: [1, 1] });
    expect(r).toEqual({ top: 0, left: 45, height: 10, width: 10 });
  });

  it('boxes map crop corners to pixel centres; flips swap corners', () => {
    const rect = { top: 1, left: 2, height: 3, width: 4 };
    expect(cropBox(rect, 5, 7)).toEqual([0.25, 2 / 6, 0.75, 5 / 6]);
    expect(cropBox(rect, 5, 7, true, false)).toEqual([0.25, 5 / 6, 0.75, 2 / 6]);
    expect(cropBox(rect, 5, 7, false, true)).toEqual([0.75, 2 / 6, 0.25, 5 / 6]);
  });

  it('crops and resizes each sample with its own (possibly flipped) box, bilinear', () => {
    const img = randomImages(3, 5, 7, 11);
    const boxes = [
      cropBox({ top: 1, left: 2, height: 3, width: 4 }, 5, 7),
      cropBox({ top: 0, left: 0, height: 5, width: 7 }, 5, 7, true),
      cropBox({ top: 2, left: 1, height: 2, width: 5 }, 5, 7, false, true),
    ];
    const x = toTensor(img);
    const out = cropResize(x, boxes.flat(), 6);
    const expected = mapPixels([3, 6, 6, 3], (b, y, xx, c) =>
      cropAndResizeAt(img, b, boxes[b], 6, y, xx, c),
    );
    expect(maxDiff(out, expected)).toBeLessThan(1e-5);
    tf.dispose([x, out]);
  });

  it('flips per sample exactly', () => {
    const img = randomImages(2, 3, 4, 5);
    const x = toTensor(img);
    const h = flipHorizontal(x, [1, 0]);
    const v = flipVertical(x, [0, 1]);
    expect(
      maxDiff(
        h,
        mapPixels(img.shape, (b, y, xx, c) => at(img, b, y, b === 0 ? 3 - xx : xx, c)),
      ),
    ).toBe(0);
    expect(
      maxDiff(
        v,
        mapPixels(img.shape, (b, y, xx, c) => at(img, b, b === 1 ? 2 - y : y, xx, c)),
      ),
    ).toBe(0);
    tf.dispose([x, h, v]);
  });
});

describe('gaussian blur', () => {
  it('kernel is the normalised exp(-x^2 / 2 sigma^2); sigma 0 is a centred 1', () => {
    const k = gaussianKernel1d(1.5, 5);
    const raw = [-2, -1, 0, 1, 2].map((x) => Math.exp(-(x * x) / (2 * 1.5 * 1.5)));
    const total = raw.reduce((a, b) => a + b);
    raw.forEach((v, i) => expect(k[i]).toBeCloseTo(v / total, 6));
    expect(Array.from(gaussianKernel1d(0, 3))).toEqual([0, 1, 0]);
    expect(autoKernelSize(1, 112)).toBe(7);
    expect(autoKernelSize(2, 4)).toBe(7);
    expect(() => gaussianKernel1d(1, 4)).toThrow(
      /gaussianKernel1d: size must be a positive odd integer, got 4/,
    );
  });

  it('blurs each sample with its own sigma (reflect padding), leaving sigma 0 untouched', () => {
    const img = randomImages(3, 6, 7, 3);
    const sigmas = [0.8, 0, 2];
    const x = toTensor(img);
    const before = tf.memory().numTensors;
    const out = gaussianBlur(x, sigmas, 5);
    expect(tf.memory().numTensors).toBe(before + 1);
    const refs = sigmas.map((s, b) => blurReference(img, b, gaussianKernel1d(s, 5)));
    const expected = mapPixels(img.shape, (b, y, xx, c) => at(refs[b], 0, y, xx, c));
    expect(maxDiff(out, expected)).toBeLessThan(1e-5);
    const middle = out.slice([1], [1]);
    expect(Array.from(middle.dataSync())).toEqual(
      Array.from(img.data.slice(6 * 7 * 3, 2 * 6 * 7 * 3)),
    );
    const all = gaussianBlur(x, [1, 1, 1], 3);
    expect(all.shape).toEqual([3, 6, 7, 3]);
    expect(() => gaussianBlur(x, sigmas, 13)).toThrow(
      /gaussianBlur: kernelSize must be odd and < 2 \* min\(H, W\) = 12, got 13/,
    );
    tf.dispose([x, out, middle, all]);
  });
});

describe('solarize and normalize', () => {
  it('inverts pixels >= threshold in masked samples', () => {
    const img = randomImages(2, 4, 4, 9);
    const x = toTensor(img);
    for (const threshold of [0.5, 0.3]) {
      const out = solarize(x, [1, 0], threshold);
      const expected = mapPixels(img.shape, (b, y, xx, c) => {
        const v = at(img, b, y, xx, c);
        return b === 0 && v >= threshold ? 1 - v : v;
      });
      expect(maxDiff(out, expected)).toBeLessThan(1e-6);
      out.dispose();
    }
    expect(() => solarize(x, [1, 0], 2)).toThrow(/solarize: threshold must be in \[0, 1\], got 2/);
    x.dispose();
  });

  it('normalises (x - mean) / std per channel', () => {
    const img = randomImages(2, 3, 3, 4);
    const x = toTensor(img);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const out = normalize(x, mean, std);
    expect(
      maxDiff(
        out,
        mapPixels(img.shape, (b, y, xx, c) => (at(img, b, y, xx, c) - mean[c]) / std[c]),
      ),
    ).toBeLessThan(1e-5);
    expect(() => normalize(x, mean, [1, 0, 1])).toThrow(
      /normalize: std must be 3 values > 0, got \[1, 0, 1\]/,
    );
    tf.dispose([x, out]);
  });
});
