/**
 * `buildCache`: decode every image of a source once, for given `size`/`crop`, into the compact
 * uint8 store described in `cache_index.ts`. Images are decoded in parallel (sharp runs each
 * decode on a libuv thread; `concurrency` decodes are in flight) and written in source order.
 * Corrupt, truncated, empty or non-image files are skipped and listed in `index.skipped`; an image
 * smaller than a pixel crop is a configuration error and aborts the build.
 *
 * The build writes `<stem>-<build>.bin` and then `<stem>.json` atomically (temp + rename); the
 * index rename is the commit point, after which the previous build's binary is removed. Nothing is
 * written outside the cache folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FailOnOptions } from 'sharp';
import { decodeImage, validateDecodeOptions } from './decode';
import { DataError, describeError } from './errors';
import { type ImageSource, validateSource } from './image_source';
import { removeStaleTemps, tempPathFor, writeFileAtomic } from './atomic_write';
import {
  CACHE_VERSION,
  type CacheIndex,
  type CacheParams,
  type SkippedFile,
  cacheStem,
  readIndex,
  resolveCacheDir,
  stampFiles,
  staleReason,
} from './cache_index';

export interface CacheOptions {
  /** Output side in pixels. */
  size: number;
  /** Center crop: a fraction of the shorter side in (0, 1], or a side in pixels (> 1). */
  crop?: number;
  /** Cache folder (default `FACECLR_CACHE`, else `.cache/faceclr` under the working directory). */
  cacheDir?: string;
  /** Readable name in the cache file names (default: the source root's base name). */
  name?: string;
  /** Decodes in flight (default 4). */
  concurrency?: number;
  /** sharp's `failOn` level (default `'warning'`: any decoder warning skips the file). */
  failOn?: FailOnOptions;
  /** Rebuild even when the cache is fresh (default false). */
  force?: boolean;
  /** Called after each decoded or skipped file. */
  onProgress?: (done: number, total: number) => void;
}

/** What `buildCache` found or made. */
export interface CacheBuildResult {
  indexPath: string;
  binPath: string;
  index: CacheIndex;
  /** False when a fresh cache was reused. */
  rebuilt: boolean;
  /** Why the previous cache was rebuilt (`'missing'`, `'forced'`, or the change found). */
  reason?: string;
}

/** Reads all decode results in source order, writing decoded images to `handle` as they come. */
async function decodeAll(
  source: ImageSource,
  params: CacheParams,
  options: CacheOptions,
  handle: fs.promises.FileHandle,
): Promise<{ sourceIndex: number[]; skipped: SkippedFile[] }> {
  const total = source.paths.length;
  const results: (Uint8Array | SkippedFile | undefined)[] = new Array(total);
  const sourceIndex: number[] = [];
  const skipped: SkippedFile[] = [];
  const writes: Promise<unknown>[] = [];
  let next = 0;
  let committed = 0;
  let finished = 0;
  let failure: unknown;
  const commit = (): void => {
    while (committed < total && results[committed] !== undefined) {
      const result = results[committed] as Uint8Array | SkippedFile;
      results[committed] = undefined;
      if (result instanceof Uint8Array) {
        const write = handle.write(
          result,
          0,
          result.length,
          sourceIndex.length * params.size ** 2 * 3,
        );
        writes.push(write.catch((e: unknown) => void (failure ??= e)));
        sourceIndex.push(committed);
      } else skipped.push(result);
      committed++;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < total && failure === undefined) {
      const i = next++;
      const file = source.paths[i];
      try {
        results[i] = await decodeImage(file, {
          size: params.size,
          crop: options.crop,
          failOn: options.failOn,
        });
      } catch (e) {
        if (e instanceof DataError) failure ??= e;
        results[i] = { path: file, reason: describeError(e) };
      }
      try {
        commit();
        options.onProgress?.(++finished, total);
      } catch (e) {
        failure ??= e; // e.g. a throwing progress callback: stop all workers, then clean up
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, total));
  await Promise.all(Array.from({ length: workers }, worker)); // workers never reject
  await Promise.all(writes); // writes never reject either: failures land in `failure`
  if (failure !== undefined) throw failure;
  return { sourceIndex, skipped };
}

/**
 * Decodes `source` into the cache unless a fresh cache for the same files and parameters exists.
 *
 * @throws DataError for an empty or inconsistent source, bad `size`/`crop`, an image smaller than
 *   the crop, or when no file at all could be decoded (naming the first skipped file).
 * @example
 * const { index } = await buildCache(flatFolderSource('data/utkface/images'), { size: 112 });
 * console.log(index.count, index.skipped.length);
 */
export async function buildCache(
  source: ImageSource,
  options: CacheOptions,
): Promise<CacheBuildResult> {
  const fn = 'buildCache';
  validateSource(fn, source);
  validateDecodeOptions(fn, options);
  const params: CacheParams = {
    size: options.size,
    crop: options.crop ?? null,
    failOn: options.failOn ?? 'warning',
  };
  const dir = resolveCacheDir(options.cacheDir);
  const stem = cacheStem(source, params, options.name);
  const indexPath = path.join(dir, `${stem}.json`);
  const stamps = await stampFiles(source.paths);
  const previous = await readIndex(indexPath);
  let reason = options.force
    ? 'forced'
    : previous
      ? staleReason(previous, source, params, stamps)
      : 'missing';
  if (previous && reason === undefined) {
    const binPath = path.join(dir, previous.binFile);
    const stat = await fs.promises.stat(binPath).catch(() => undefined);
    if (stat?.size === previous.count * previous.imageBytes)
      return { indexPath, binPath, index: previous, rebuilt: false };
    reason = `binary '${previous.binFile}' is missing or has the wrong size`;
  }
  await fs.promises.mkdir(dir, { recursive: true });
  await removeStaleTemps(dir);
  const started = Date.now();
  const binFile = `${stem}-${started.toString(36)}${process.pid.toString(36)}.bin`;
  const binPath = path.join(dir, binFile);
  const tmpBin = tempPathFor(binPath);
  let committed = false;
  try {
    const handle = await fs.promises.open(tmpBin, 'w');
    let decoded: Awaited<ReturnType<typeof decodeAll>>;
    try {
      decoded = await decodeAll(source, params, options, handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const { sourceIndex, skipped } = decoded;
    if (sourceIndex.length === 0) {
      throw new DataError(
        `${fn}: none of the ${source.paths.length} files could be decoded (first: '${skipped[0].path}': ${skipped[0].reason})`,
      );
    }
    const index: CacheIndex = {
      version: CACHE_VERSION,
      params,
      root: source.root ?? null,
      count: sourceIndex.length,
      imageBytes: params.size * params.size * 3,
      binFile,
      paths: sourceIndex.map((k) => source.paths[k]),
      labels: source.labels ? sourceIndex.map((k) => source.labels![k]) : null,
      classNames: source.classNames ?? null,
      sourceIndex,
      skipped,
      stamps,
      buildSeconds: (Date.now() - started) / 1000,
      createdAt: new Date(started).toISOString(),
    };
    await fs.promises.rename(tmpBin, binPath);
    await writeFileAtomic(indexPath, JSON.stringify(index));
    committed = true;
    if (previous && previous.binFile !== binFile) {
      await fs.promises.rm(path.join(dir, previous.binFile), { force: true });
    }
    return { indexPath, binPath, index, rebuilt: true, reason };
  } finally {
    if (!committed) {
      await fs.promises.rm(tmpBin, { force: true });
      await fs.promises.rm(binPath, { force: true });
    }
  }
}
