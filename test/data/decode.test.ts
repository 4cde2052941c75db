import * as path from 'path';
import { decodeImage, DataError } from '../../src/data';
import { type Format, makeTempDir, removeTempDir, writeBrokenFiles, writeImage } from './fixtures';

describe('decodeImage', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('decode');
  });
  afterAll(() => removeTempDir(dir));

  it.each<Format>(['jpeg', 'png', 'webp', 'gray-png', 'rgba-png', 'pgm'])(
    'decodes %s to size*size*3 RGB',
    async (format) => {
      const file = await writeImage(path.join(dir, `img.${format}`), format, 40, 30, 3);
      const rgb = await decodeImage(file, { size: 16 });
      expect(rgb).toHaveLength(16 * 16 * 3);
      if (format === 'gray-png' || format === 'pgm') {
        for (let i = 0; i < rgb.length; i += 3) expect(rgb[i + 1]).toBe(rgb[i]);
      }
    },
  );

  it('center-crops a fraction of the shorter side, without stretching', async () => {
    // 40 wide, 20 high: red grows with x; the central 10x10 square spans x 15..24
    const file = await writeImage(path.join(dir, 'wide.png'), 'png', 40, 20);
    const full = await decodeImage(file, { size: 4 });
    const half = await decodeImage(file, { size: 4, crop: 0.5 });
    const red = (rgb: Uint8Array, x: number): number => rgb[3 * x];
    expect(red(full, 0)).toBeGreaterThan(255 * (10 / 39) - 12); // square 10..29, not the whole width
    expect(red(half, 0)).toBeGreaterThan(red(full, 0));
    expect(red(half, 3)).toBeLessThan(red(full, 3));
  });

  it('crops a side in pixels and rejects an image smaller than the crop', async () => {
    const file = await writeImage(path.join(dir, 'small.jpg'), 'jpeg', 24, 24);
    expect(await decodeImage(file, { size: 8, crop: 20 })).toHaveLength(8 * 8 * 3);
    await expect(decodeImage(file, { size: 8, crop: 32 })).rejects.toThrow(DataError);
    await expect(decodeImage(file, { size: 8, crop: 32 })).rejects.toThrow(
      /small\.jpg' is 24x24, smaller than the crop of 32px/,
    );
  });

  it('throws a plain Error (to be skipped) for broken files', async () => {
    const broken = await writeBrokenFiles(path.join(dir, 'broken'));
    for (const file of Object.values(broken)) {
      const error = await decodeImage(file, { size: 8 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DataError);
    }
  });
});
