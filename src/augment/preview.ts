/**
 * A contact sheet of augmented views for `faceclr data preview`: one row per image, the original
 * first and then each view, every tile `size x size`, encoded as PNG with sharp.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { tf } from '../engine/tf';

/** An original image: encoded bytes (JPEG, PNG, ... as read from disk) or raw interleaved pixels. */
export type PreviewImage =
  Uint8Array | { data: Uint8Array; width: number; height: number; channels?: 1 | 3 | 4 };

export interface PreviewOptions {
  /** Pixels between tiles (default 2). */
  gap?: number;
  /** Background and gap colour, RGB 0-255 (default white). */
  background?: [number, number, number];
  /** Undo a normalisation before drawing (views made with `normalize` set); default none. */
  denormalize?: { mean: readonly number[]; std: readonly number[] } | null;
}

/** `[h, w, 3]` floats in [0, 1] (after `denormalize`) as RGB bytes. */
function toBytes(
  values: Float32Array,
  offset: number,
  count: number,
  denormalize: PreviewOptions['denormalize'],
): Buffer {
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    let v = values[offset + i];
    if (denormalize) v = v * denormalize.std[i % 3] + denormalize.mean[i % 3];
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}

async function originalTile(
  image: PreviewImage,
  size: number,
  background: { r: number; g: number; b: number; alpha: number },
): Promise<Buffer> {
  const input =
    image instanceof Uint8Array
      ? sharp(image)
      : sharp(image.data, {
          raw: { width: image.width, height: image.height, channels: image.channels ?? 3 },
        });
  return input
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size, size, { fit: 'contain', background })
    .raw()
    .toBuffer();
}

/**
 * Renders originals and their views as a PNG grid.
 * @param originals B images (rows).
 * @param views view tensors, each `[B, h, w, 3]` (any `h, w`), values in [0, 1] unless
 *   `options.denormalize` is given.
 * @param size tile side in pixels.
 * @returns the PNG bytes.
 * @throws Error naming the argument when batch sizes or shapes disagree.
 * @example
 * const png = await renderPreviewGrid(files.map((f) => fs.readFileSync(f)), views, 96);
 */
export async function renderPreviewGrid(
  originals: PreviewImage[],
  views: tf.Tensor[],
  size: number,
  options: PreviewOptions = {},
): Promise<Buffer> {
  const rows = originals.length;
  if (rows === 0)
    throw new Error('renderPreviewGrid: originals must hold at least one image, got 0');
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`renderPreviewGrid: size must be a positive integer, got ${size}`);
  views.forEach((view, i) => {
    if (view.rank !== 4 || view.shape[0] !== rows || view.shape[3] !== 3) {
      throw new Error(
        `renderPreviewGrid: views[${i}] must have shape [${rows}, h, w, 3], got [${view.shape.join(', ')}]`,
      );
    }
  });
  const gap = options.gap ?? 2;
  const [r, g, b] = options.background ?? [255, 255, 255];
  const background = { r, g, b, alpha: 1 };
  const columns = views.length + 1;
  const tiles: OverlayOptions[] = [];
  const place = (input: Buffer, row: number, column: number): void => {
    const left = gap + column * (size + gap);
    const top = gap + row * (size + gap);
    tiles.push({ input, raw: { width: size, height: size, channels: 3 }, left, top });
  };
  for (let row = 0; row < rows; row++)
    place(await originalTile(originals[row], size, background), row, 0);
  for (let v = 0; v < views.length; v++) {
    const [, h, w] = views[v].shape;
    const values = (await views[v].data()) as Float32Array;
    for (let row = 0; row < rows; row++) {
      const bytes = toBytes(values, row * h * w * 3, h * w * 3, options.denormalize);
      const tile = await sharp(bytes, { raw: { width: w, height: h, channels: 3 } })
        .resize(size, size, { fit: 'fill', kernel: h < size ? 'nearest' : 'lanczos3' })
        .raw()
        .toBuffer();
      place(tile, row, v + 1);
    }
  }
  return sharp({
    create: {
      width: gap + columns * (size + gap),
      height: gap + rows * (size + gap),
      channels: 3,
      background,
    },
  })
    .composite(tiles)
    .png()
    .toBuffer();
}
