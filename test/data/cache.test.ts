import * as fs from 'fs';
import * as path from 'path';
import {
  DataError,
  ImageCache,
  buildCache,
  decodeImage,
  identityFolderSource,
  loadCache,
} from '../../src/data';
import { listFiles, makeTempDir, removeTempDir, writeBrokenFiles, writeImage } from './fixtures';

describe('decoded-image cache', () => {
  let dir: string;
  let dataDir: string;
  let cacheDir: string;
  let broken: Awaited<ReturnType<typeof writeBrokenFiles>>;
  beforeAll(async () => {
    dir = makeTempDir('cache');
    dataDir = path.join(dir, 'faces');
    cacheDir = path.join(dir, 'cache');
    const formats = ['jpeg', 'png', 'webp', 'gray-png', 'pgm'] as const;
    for (let i = 0; i < 10; i++) {
      const format = formats[i % formats.length];
      const ext = { jpeg: 'jpg', png: 'png', webp: 'webp', 'gray-png': 'png', pgm: 'pgm' }[format];
      await writeImage(path.join(dataDir, `id_${i % 3}`, `${i}.${ext}`), format, 20 + i, 24, i);
    }
    broken = await writeBrokenFiles(path.join(dataDir, 'id_9'));
  });
  afterAll(() => removeTempDir(dir));

  it('skips, counts and reports broken files, and writes only inside the cache folder', async () => {
    const before = listFiles(dataDir);
    const source = identityFolderSource(dataDir);
    const built = await buildCache(source, { size: 12, cacheDir });
    expect(built.rebuilt).toBe(true);
    expect(built.index.count).toBe(10);
    expect(built.index.skipped.map((s) => s.path).sort()).toEqual(Object.values(broken).sort());
    for (const s of built.index.skipped) expect(s.reason.length).toBeGreaterThan(0);
    expect(built.index.labels).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(fs.statSync(built.binPath).size).toBe(10 * 12 * 12 * 3);
    expect(listFiles(dataDir)).toEqual(before);
    expect(listFiles(cacheDir)).toEqual(
      [path.basename(built.binPath), path.basename(built.indexPath)].sort(),
    );
    const cache = await ImageCache.open(built.indexPath);
    expect(Buffer.from(await cache.image(4))).toEqual(
      Buffer.from(await decodeImage(cache.paths[4], { size: 12 })),
    );
    await cache.dispose();
  });

  it('reuses a fresh cache and rebuilds when a file is touched or parameters change', async () => {
    const source = identityFolderSource(dataDir);
    const first = await buildCache(source, { size: 12, cacheDir });
    expect(first.rebuilt).toBe(false);
    const future = new Date(Date.now() + 10_000);
    fs.utimesSync(source.paths[3], future, future);
    const touched = await buildCache(source, { size: 12, cacheDir });
    expect(touched).toMatchObject({
      rebuilt: true,
      reason: expect.stringContaining(path.basename(source.paths[3])),
    });
    expect(fs.existsSync(first.binPath)).toBe(false); // the old binary is gone
    expect((await buildCache(source, { size: 12, cacheDir })).rebuilt).toBe(false);
    const cropped = await buildCache(source, { size: 12, crop: 0.5, cacheDir });
    expect(cropped.rebuilt).toBe(true);
    expect(cropped.indexPath).not.toBe(touched.indexPath); // one cache per (dataset, crop, size)
    const fewer = { ...source, paths: source.paths.slice(1), labels: source.labels!.slice(1) };
    expect((await buildCache(fewer, { size: 12, cacheDir })).reason).toMatch(
      /number of source files changed/,
    );
  });

  it('commits atomically: a failed build leaves the previous cache intact and no temp file', async () => {
    const source = identityFolderSource(dataDir);
    const good = await buildCache(source, { size: 12, cacheDir, force: true });
    const files = listFiles(cacheDir);
    const onProgress = (done: number): void => {
      if (done === 3) throw new Error('interrupted');
    };
    await expect(
      buildCache(source, { size: 12, cacheDir, force: true, onProgress }),
    ).rejects.toThrow('interrupted');
    expect(listFiles(cacheDir)).toEqual(files);
    const cache = await ImageCache.open(good.indexPath, { inMemory: false });
    expect(cache.count).toBe(10);
    await cache.dispose();
  });

  it('uses FACECLR_CACHE when no cacheDir is given', async () => {
    const envDir = path.join(dir, 'env-cache');
    process.env.FACECLR_CACHE = envDir;
    try {
      const cache = await loadCache(identityFolderSource(dataDir), { size: 8 });
      expect(cache.binPath.startsWith(envDir)).toBe(true);
      await cache.dispose();
    } finally {
      delete process.env.FACECLR_CACHE;
    }
  });

  it('throws DataError for an image smaller than the crop, an all-broken dataset, or bad options', async () => {
    const source = identityFolderSource(dataDir);
    const smallDir = path.join(dir, 'small-cache');
    await expect(buildCache(source, { size: 8, crop: 25, cacheDir: smallDir })).rejects.toThrow(
      /smaller than the crop of 25px/,
    );
    expect(listFiles(smallDir)).toEqual([]);
    const onlyBroken = { paths: Object.values(broken) };
    await expect(buildCache(onlyBroken, { size: 8, cacheDir })).rejects.toThrow(
      /buildCache: none of the 4 files could be decoded/,
    );
    await expect(buildCache({ paths: [] }, { size: 8, cacheDir })).rejects.toThrow(DataError);
    await expect(buildCache(source, { size: 0, cacheDir })).rejects.toThrow(
      /buildCache: options.size must be a positive integer, got 0/,
    );
    await expect(buildCache(source, { size: 8, crop: 1.5, cacheDir })).rejects.toThrow(
      /options.crop/,
    );
  });

  it('reads batches from memory and from the file identically', async () => {
    const source = identityFolderSource(dataDir);
    const memory = await loadCache(source, { size: 12, cacheDir, inMemory: true });
    const file = await loadCache(source, { size: 12, cacheDir, inMemory: false });
    expect(file.inMemory).toBe(false);
    const order = [9, 0, 4, 4];
    expect(Buffer.from(await file.readBatch(order))).toEqual(
      Buffer.from(await memory.readBatch(order)),
    );
    await expect(memory.readBatch([10])).rejects.toThrow(
      /ImageCache.readBatch: index must be an integer in \[0, 10\), got 10/,
    );
    await Promise.all([memory.dispose(), file.dispose()]);
    await expect(file.readBatch([0])).rejects.toThrow(/disposed/);
  });
});
