/**
 * Shared by the bad-input matrix (docs/bad-input.md): the CLI run in-process with its output
 * captured, a tiny pretraining recipe (16×16 synthetic faces, resnet18-narrow at width 0.25,
 * batch 4, 3 steps) and the broken image files the data cases feed it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import sharp from 'sharp';

export const REPO = path.join(__dirname, '../..');

export type { CliResult } from '../helpers/cli';
/** `faceclr --backend wasm --threads 1 ...args`, in-process, stdout/stderr captured. */
export { runWasmOneThread as runCli } from '../helpers/cli';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `faceclr-bad-${prefix}-`));
}

/**
 * Writes `<dir>/tiny.json`: recipes/pretrain/simclr-cpu.json at 16×16 on 4×4 synthetic faces
 * (rendered into `<dir>/cache`), batch 4, 3 steps, a checkpoint every step.
 */
export function writeTinyRecipe(dir: string, train: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'tiny.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      extends: path.join(REPO, 'recipes/pretrain/simclr-cpu.json'),
      data: {
        size: 16,
        cacheDir: path.join(dir, 'cache'),
        synth: { identities: 4, imagesPerIdentity: 4 },
      },
      augment: { overrides: { views: [{ size: 16 }] } },
      backbone: { width: 0.25 },
      framework: { projector: { hiddenFeatures: 16, outFeatures: 8 } },
      schedule: { warmupSteps: 0 },
      train: { batch: 4, steps: 3, logEvery: 1, checkpointEvery: 1, ...train },
    }),
  );
  return file;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header announcing `side`×`side` RGB pixels, with (almost) no pixel data: 254 bytes. */
export function pngHeaderOnly(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const idat = zlib.deflateSync(Buffer.alloc(2 * (3 * side + 1)));
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The broken files of the data cases, by name (and what makes each one bad). */
export const BROKEN = Object.freeze({
  corrupt: 'corrupt.jpg', // JPEG whose entropy-coded data is overwritten
  truncated: 'truncated.jpg', // the first half of a JPEG
  zeroByte: 'zero.jpg', // 0 bytes
  text: 'notes.jpg', // a text file named .jpg
  overLimit: 'giant.png', // a PNG announcing 30000×30000 (over sharp's 268 Mpixel limit)
});

/**
 * Fills `dir` with `good` decodable 32×32 PNGs, a PNG named `.jpg`, a 6000×6000 PNG
 * (`huge.png`) and every file of {@link BROKEN}.
 */
export async function writeMixedFolder(dir: string, good = 6): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < good; i++) {
    const png = await sharp({
      create: { width: 32, height: 32, channels: 3, background: { r: 40 * i, g: 120, b: 200 } },
    })
      .png()
      .toBuffer();
    fs.writeFileSync(path.join(dir, `good${i}.png`), png);
    if (i === 0) fs.writeFileSync(path.join(dir, 'png-named.jpg'), png);
  }
  const pixels = new Uint8Array(64 * 64 * 3);
  for (let i = 0, x = 7; i < pixels.length; i++)
    pixels[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const noisy = await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } })
    .jpeg()
    .toBuffer();
  const corrupt = Buffer.from(noisy);
  for (let i = corrupt.length >> 2; i < corrupt.length - 4; i += 5) corrupt[i] = 0xff;
  fs.writeFileSync(path.join(dir, BROKEN.corrupt), corrupt);
  fs.writeFileSync(path.join(dir, BROKEN.truncated), noisy.subarray(0, noisy.length >> 1));
  fs.writeFileSync(path.join(dir, BROKEN.zeroByte), '');
  fs.writeFileSync(path.join(dir, BROKEN.text), 'not an image, only a note\n');
  fs.writeFileSync(path.join(dir, BROKEN.overLimit), pngHeaderOnly(30000));
  const huge = await sharp({
    create: { width: 6000, height: 6000, channels: 3, background: { r: 90, g: 120, b: 200 } },
  })
    .png()
    .toBuffer();
  fs.writeFileSync(path.join(dir, 'huge.png'), huge);
}
