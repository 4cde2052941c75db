/**
 * `ImageCache`: read access to a built cache (N×S×S×3 uint8), either fully in memory (default for
 * caches up to 1 GiB) or by positioned reads from the binary file. `loadCache` builds the cache
 * when it is missing or stale, then opens it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildCache, type CacheOptions } from './build_cache';
import { type CacheIndex, type SkippedFile, readIndex } from './cache_index';
import { DataError } from './errors';
import type { ImageSource } from './image_source';

export interface OpenCacheOptions {
  /** Read the whole binary into memory (default: when it is at most 1 GiB). */
  inMemory?: boolean;
}

/** Decoded images of one dataset at one size; `dispose()` closes the file. */
export class ImageCache {
  /** Number of images. */
  readonly count: number;
  /** Side of every image in pixels. */
  readonly size: number;
  /** Bytes per image (size*size*3). */
  readonly imageBytes: number;
  readonly paths: readonly string[];
  readonly labels?: Int32Array;
  readonly classNames?: readonly string[];
  readonly skipped: readonly SkippedFile[];

  private constructor(
    readonly index: CacheIndex,
    readonly binPath: string,
    private data: Buffer | undefined,
    private handle: fs.promises.FileHandle | undefined,
  ) {
    this.count = index.count;
    this.size = index.params.size;
    this.imageBytes = index.imageBytes;
    this.paths = index.paths;
    this.labels = index.labels ? Int32Array.from(index.labels) : undefined;
    this.classNames = index.classNames ?? undefined;
    this.skipped = index.skipped;
  }

  /**
   * Opens the cache described by the index file `indexPath`.
   * @throws DataError when the index is unreadable or the binary is missing or of the wrong size.
   */
  static async open(indexPath: string, options: OpenCacheOptions = {}): Promise<ImageCache> {
    const index = await readIndex(indexPath);
    if (!index)
      throw new DataError(`ImageCache.open: index '${indexPath}' is missing or not valid JSON`);
    const binPath = path.join(path.dirname(indexPath), index.binFile);
    const expected = index.count * index.imageBytes;
    const stat = await fs.promises.stat(binPath).catch(() => undefined);
    if (!stat || stat.size !== expected) {
      throw new DataError(
        `ImageCache.open: binary '${binPath}' should hold ${expected} bytes, found ${stat ? stat.size : 'no file'}`,
      );
    }
    if (options.inMemory ?? expected <= 2 ** 30) {
      return new ImageCache(index, binPath, await fs.promises.readFile(binPath), undefined);
    }
    return new ImageCache(index, binPath, undefined, await fs.promises.open(binPath, 'r'));
  }

  /** Whether the pixels are held in memory (else read from the file on demand). */
  get inMemory(): boolean {
    return this.data !== undefined;
  }

  private checkIndex(fn: string, i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new DataError(
        `ImageCache.${fn}: index must be an integer in [0, ${this.count}), got ${i}`,
      );
    }
  }

  /**
   * Image `i` as `size*size*3` RGB bytes (a copy).
   * @throws DataError for an index out of range or a disposed cache.
   */
  async image(i: number): Promise<Uint8Array> {
    return this.readBatch([i]);
  }

  /**
   * Copies the images `indices` into `out` (length `indices.length * imageBytes`, allocated when
   * absent), in order: `out[k*imageBytes ...]` is image `indices[k]`.
   * @throws DataError for an index out of range, a wrong `out` length or a disposed cache.
   */
  async readBatch(indices: ArrayLike<number>, out?: Uint8Array): Promise<Uint8Array> {
    const bytes = this.imageBytes;
    const target = out ?? new Uint8Array(indices.length * bytes);
    if (target.length !== indices.length * bytes) {
      throw new DataError(
        `ImageCache.readBatch: out has ${target.length} bytes, expected ${indices.length * bytes}`,
      );
    }
    for (let k = 0; k < indices.length; k++) this.checkIndex('readBatch', indices[k]);
    if (this.data) {
      for (let k = 0; k < indices.length; k++) {
        const start = indices[k] * bytes;
        target.set(this.data.subarray(start, start + bytes), k * bytes);
      }
      return target;
    }
    const handle = this.handle;
    if (!handle) throw new DataError('ImageCache.readBatch: the cache has been disposed');
    await Promise.all(
      Array.from(indices, (i, k) => handle.read(target, k * bytes, bytes, i * bytes)),
    );
    return target;
  }

  /** Releases the memory or closes the file. Idempotent. */
  async dispose(): Promise<void> {
    this.data = undefined;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

/**
 * Builds the cache of `source` if it is missing or stale, then opens it.
 *
 * @throws DataError as `buildCache` and `ImageCache.open` do.
 * @example
 * const cache = await loadCache(identityFolderSource('faces'), { size: 64, crop: 0.75 });
 * const first = await cache.image(0); // 64*64*3 bytes
 */
export async function loadCache(
  source: ImageSource,
  options: CacheOptions & OpenCacheOptions,
): Promise<ImageCache> {
  const built = await buildCache(source, options);
  return ImageCache.open(built.indexPath, { inMemory: options.inMemory });
}
