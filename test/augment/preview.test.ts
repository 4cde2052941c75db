import sharp from 'sharp';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { renderPreviewGrid } from '../../src/augment/preview';
import { MultiViewTransform } from '../../src/augment/multi_view_transform';
import { Rng } from '../../src/util/random';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('renderPreviewGrid', () => {
  it('draws rows = images, columns = original + views, as a PNG', async () => {
    const raw = new Uint8Array(20 * 16 * 3).map((_, i) => (i * 7) % 256);
    const encoded = await sharp(Buffer.from(raw), { raw: { width: 16, height: 20, channels: 3 } })
      .png()
      .toBuffer();
    const originals = [{ data: raw, width: 16, height: 20 }, new Uint8Array(encoded)];
    const images = tf.tidy(() =>
      tf.div(tf.tensor4d(Float32Array.from([...raw, ...raw]), [2, 20, 16, 3]), 255),
    ) as tf.Tensor4D;
    const transform = MultiViewTransform.fromPreset('swav', { views: [{ size: 16 }, { size: 8 }] });
    const views = transform.apply(images, new Rng(1));
    const png = await renderPreviewGrid(originals, views, 24, {
      gap: 2,
      denormalize: transform.transforms[0].config.normalize,
    });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(2 + 7 * (24 + 2));
    expect(meta.height).toBe(2 + 2 * (24 + 2));
    const pixels = await sharp(png).raw().toBuffer();
    expect(pixels[0]).toBe(255); // the gap is the white background
    tf.dispose([images, ...views]);
  });

  it('names the argument on mismatched views', async () => {
    const view = tf.zeros([3, 8, 8, 3]);
    await expect(renderPreviewGrid([new Uint8Array(12)], [view], 8)).rejects.toThrow(
      /renderPreviewGrid: views\[0\] must have shape \[1, h, w, 3\], got \[3, 8, 8, 3\]/,
    );
    view.dispose();
  });
});
