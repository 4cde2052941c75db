/**
 * Synthetic image files for the data tests, written to a fresh folder under `os.tmpdir()`:
 * gradients in every format the data layer reads, plus broken files (corrupt JPEG, truncated PNG,
 * zero-byte file, text named .jpg). No real photo is ever used.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';

/** A fresh temporary folder; remove it with `removeTempDir`. */
export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `faceclr-${label}-`));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A `width`×`height` RGB gradient whose colour depends on `tag` (so images differ). */
export function gradient(width: number, height: number, tag: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 3 * (y * width + x);
      data[p] = (x * 255) / Math.max(width - 1, 1);
      data[p + 1] = (y * 255) / Math.max(height - 1, 1);
      data[p + 2] = (tag * 37) % 256;
    }
  }
  return data;
}

export type Format = 'jpeg' | 'png' | 'webp' | 'gray-png' | 'rgba-png' | 'pgm';

/** Writes an image of `format`; returns its path. */
export async function writeImage(
  file: string,
  format: Format,
  width: number,
  height: number,
  tag = 0,
): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const raw = gradient(width, height, tag);
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') await image.jpeg({ quality: 90 }).toFile(file);
  else if (format === 'png') await image.png().toFile(file);
  else if (format === 'webp') await image.webp({ quality: 90 }).toFile(file);
  else if (format === 'gray-png') await image.greyscale().png().toFile(file);
  else if (format === 'rgba-png') await image.ensureAlpha(0.5).png().toFile(file);
  else {
    const gray = Buffer.alloc(width * height);
    for (let i = 0; i < gray.length; i++) gray[i] = raw[3 * i];
    fs.writeFileSync(
      file,
      Buffer.concat([Buffer.from(`P5\n# test\n${width} ${height}\n255\n`), gray]),
    );
  }
  return file;
}

/** The four broken files of the tests, written into `dir`; returns their paths. */
export async function writeBrokenFiles(
  dir: string,
): Promise<Record<'corruptJpeg' | 'truncatedPng' | 'empty' | 'textJpg', string>> {
  fs.mkdirSync(dir, { recursive: true });
  const jpeg = await sharp(gradient(48, 48, 9), { raw: { width: 48, height: 48, channels: 3 } })
    .jpeg()
    .toBuffer();
  const corrupt = Buffer.from(jpeg);
  for (let i = Math.floor(corrupt.length / 2); i < corrupt.length - 2; i += 7) corrupt[i] = 0xff; // mangled scan data
  const png = await sharp(gradient(48, 48, 5), { raw: { width: 48, height: 48, channels: 3 } })
    .png()
    .toBuffer();
  const files = {
    corruptJpeg: path.join(dir, 'corrupt.jpg'),
    truncatedPng: path.join(dir, 'truncated.png'),
    empty: path.join(dir, 'empty.jpg'),
    textJpg: path.join(dir, 'notes.jpg'),
  };
  fs.writeFileSync(files.corruptJpeg, corrupt);
  fs.writeFileSync(files.truncatedPng, png.subarray(0, Math.floor(png.length / 2)));
  fs.writeFileSync(files.empty, Buffer.alloc(0));
  fs.writeFileSync(files.textJpg, 'this is not an image\n');
  return files;
}

/** Every file under `dir` (relative paths), to check what a test wrote. */
export function listFiles(dir: string): string[] {
  return fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort()
    : [];
}
