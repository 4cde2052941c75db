/**
 * Decode benchmark on the real UTKFace subset (12,000 JPEGs, 112x112): builds the uint8 cache from
 * scratch in a temporary cache folder and reports images per second. Not part of `npm test`; run:
 *
 *   npx jest --testMatch '<rootDir>/test/data/utkface_decode.bench.ts'
 *
 * Goal: the 12,000 images decoded in at most 60 s on 2 cores.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataLoader, buildCache, flatFolderSource, ImageCache } from '../../src/data';

const IMAGES = path.resolve(__dirname, '../../../shared/data/utkface/images');

(fs.existsSync(IMAGES) ? describe : describe.skip)('UTKFace decode benchmark', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-bench-'));
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('decodes 12,000 images in at most 60 s', async () => {
    const source = flatFolderSource(IMAGES);
    const started = process.hrtime.bigint();
    const built = await buildCache(source, { size: 112, cacheDir, force: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = built.index.count / seconds;
    const cache = await ImageCache.open(built.indexPath);
    const loader = new DataLoader(cache, { batchSize: 256, seed: 0 });
    const epochStart = process.hrtime.bigint();
    let batches = 0;
    for await (const batch of loader) batches += batch.indices.length > 0 ? 1 : 0;
    const epochSeconds = Number(process.hrtime.bigint() - epochStart) / 1e9;
    await cache.dispose();
    process.stdout.write(
      `utkface decode: ${built.index.count} images (${built.index.skipped.length} skipped) at 112x112 in ` +
        `${seconds.toFixed(2)} s = ${rate.toFixed(0)} images/s on ${os.cpus().length} cores; ` +
        `loader epoch (${batches} batches of 256) in ${epochSeconds.toFixed(2)} s\n`,
    );
    expect(built.index.count).toBe(source.paths.length - built.index.skipped.length);
    expect(seconds).toBeLessThanOrEqual(60);
  });
});
