/**
 * Decoding one image file to a square RGB uint8 array with sharp (libvips): read, auto-orient
 * (EXIF), optional center crop, resize to `size`×`size`, drop alpha, gray→RGB.
 *
 * Cropping: the crop is a centered square. `crop` in (0, 1] is a fraction of the shorter side;
 * `crop` > 1 is a side in pixels. Without a crop the central square of the shorter side is used, so
 * faces are never stretched.
 */
import * as fs from 'fs';
import sharp, { type FailOnOptions, type Sharp } from 'sharp';
import { DataError } from './errors';
import { decodeNetpbm, isNetpbm } from './netpbm';

export interface DecodeOptions {
  /** Output side in pixels. */
  size: number;
  /** Center crop: a fraction of the shorter side in (0, 1], or a side in pixels (> 1). */
  crop?: number;
  /** sharp's `failOn` level for invalid pixel data (default `'warning'`, the strictest). */
  failOn?: FailOnOptions;
}

/** Checks `size` and `crop`, naming `fn` in the error. */
export function validateDecodeOptions(fn: string, options: DecodeOptions): void {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new DataError(`${fn}: options.size must be a positive integer, got ${options.size}`);
  }
  const crop = options.crop;
  if (crop !== undefined && !(crop > 0 && (crop <= 1 || Number.isInteger(crop)))) {
    throw new DataError(
      `${fn}: options.crop must be a fraction in (0, 1] or a whole number of pixels, got ${crop}`,
    );
  }
}

/** The centered square to extract from a `width`×`height` image for `crop`. */
export function cropRegion(
  file: string,
  width: number,
  height: number,
  crop: number | undefined,
): { left: number; top: number; width: number; height: number } {
  const short = Math.min(width, height);
  const side =
    crop === undefined ? short : crop <= 1 ? Math.max(1, Math.round(crop * short)) : crop;
  if (side > short) {
    throw new DataError(
      `decodeImage: image '${file}' is ${width}x${height}, smaller than the crop of ${side}px`,
    );
  }
  return {
    left: Math.floor((width - side) / 2),
    top: Math.floor((height - side) / 2),
    width: side,
    height: side,
  };
}

/**
 * Decodes `file` to `size*size*3` RGB bytes (row-major, HWC).
 *
 * @throws DataError when the image is smaller than a pixel crop (a configuration error);
 *   any other error (corrupt, truncated, empty or non-image file) is thrown as sharp's `Error`,
 *   which `buildCache` records as a skipped file.
 * @example
 * const rgb = await decodeImage('face.jpg', { size: 112, crop: 0.75 }); // length 112*112*3
 */
export async function decodeImage(file: string, options: DecodeOptions): Promise<Uint8Array> {
  const bytes = await fs.promises.readFile(file);
  if (bytes.length === 0) throw new Error('empty file (0 bytes)');
  const failOn = options.failOn ?? 'warning';
  let image: Sharp;
  let width: number;
  let height: number;
  let gray: boolean;
  if (isNetpbm(bytes)) {
    const raw = decodeNetpbm(bytes);
    image = sharp(raw.data, {
      raw: { width: raw.width, height: raw.height, channels: raw.channels },
    });
    [width, height, gray] = [raw.width, raw.height, raw.channels === 1];
  } else {
    image = sharp(bytes, { failOn, autoOrient: true });
    const meta = await image.metadata();
    [width, height] = [
      meta.autoOrient?.width ?? meta.width,
      meta.autoOrient?.height ?? meta.height,
    ];
    gray = meta.channels <= 2; // gray or gray+alpha: expanded to RGB below, without colour conversion
  }
  const region = cropRegion(file, width, height, options.crop);
  image = image.extract(region).resize(options.size, options.size, { fit: 'fill' }).removeAlpha();
  if (!gray) image = image.toColourspace('srgb'); // CMYK, 16-bit RGB, palettes → 8-bit sRGB
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const pixels = options.size * options.size;
  if (info.channels === 3 && data.length === pixels * 3) return data;
  if (info.channels === 1 && data.length === pixels) {
    const rgb = new Uint8Array(pixels * 3);
    for (let i = 0; i < pixels; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i];
    return rgb;
  }
  throw new Error(
    `unexpected decoded layout: ${info.width}x${info.height}x${info.channels}, ${data.length} bytes`,
  );
}
