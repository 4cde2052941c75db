/**
 * The JSON index of a decoded-image cache, where caches live, how they are named, and when one is
 * stale.
 *
 * A cache is two files in the cache folder: `<stem>-<build>.bin`, N×S×S×3 uint8 (RGB, row-major),
 * and `<stem>.json`, this index. The stem names the dataset and the decode parameters; the index
 * records the size and mtime of every source file, so touching, adding or removing a file, or
 * changing `size`, `crop` or `failOn`, makes the cache stale and `buildCache` rebuilds it.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ImageSource } from './image_source';

export const CACHE_VERSION = 1;

/** Decode parameters a cache depends on. */
export interface CacheParams {
  size: number;
  crop: number | null;
  failOn: string;
}

/** A file that could not be decoded, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface CacheIndex {
  version: number;
  params: CacheParams;
  /** The source's root (folder or list file), if it had one. */
  root: string | null;
  /** Decoded images, in source order (skipped files removed). */
  count: number;
  /** Bytes per image: size*size*3. */
  imageBytes: number;
  /** The binary file's name, in the same folder as the index. */
  binFile: string;
  paths: string[];
  labels: number[] | null;
  classNames: string[] | null;
  /** For each cached image, its position in the source's path list. */
  sourceIndex: number[];
  skipped: SkippedFile[];
  /** Every source path with its size and mtime at build time (-1 when it could not be read). */
  stamps: { paths: string[]; sizes: number[]; mtimesMs: number[] };
  buildSeconds: number;
  createdAt: string;
}

/** The cache folder: `options.cacheDir`, else `FACECLR_CACHE`, else `.cache/faceclr` under cwd. */
export function resolveCacheDir(cacheDir?: string): string {
  return path.resolve(cacheDir ?? process.env.FACECLR_CACHE ?? path.join('.cache', 'faceclr'));
}

/** `<name>-s<size>[-c<crop>]-<hash>`: readable, and unique per dataset and parameters. */
export function cacheStem(source: ImageSource, params: CacheParams, name?: string): string {
  const identity = source.root ?? createHash('sha1').update(source.paths.join('\n')).digest('hex');
  const hash = createHash('sha1')
    .update(JSON.stringify({ identity, params }))
    .digest('hex')
    .slice(0, 12);
  const base = name ?? (source.root ? path.basename(source.root) : 'images');
  const slug = base.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40) || 'images';
  return `${slug}-s${params.size}${params.crop === null ? '' : `-c${params.crop}`}-${hash}`;
}

/** Size and mtime of each path (-1, -1 when it cannot be read). */
export async function stampFiles(paths: string[]): Promise<CacheIndex['stamps']> {
  const sizes = new Array<number>(paths.length);
  const mtimesMs = new Array<number>(paths.length);
  const batch = 256;
  for (let start = 0; start < paths.length; start += batch) {
    const stats = await Promise.all(
      paths.slice(start, start + batch).map((p) => fs.promises.stat(p).catch(() => undefined)),
    );
    stats.forEach((s, k) => {
      sizes[start + k] = s ? s.size : -1;
      mtimesMs[start + k] = s ? s.mtimeMs : -1;
    });
  }
  return { paths: [...paths], sizes, mtimesMs };
}

/**
 * Why `index` does not match the source and parameters (a short reason), or `undefined` when it
 * is fresh.
 */
export function staleReason(
  index: CacheIndex,
  source: ImageSource,
  params: CacheParams,
  stamps: CacheIndex['stamps'],
): string | undefined {
  if (index.version !== CACHE_VERSION) return `cache version ${index.version} != ${CACHE_VERSION}`;
  if (JSON.stringify(index.params) !== JSON.stringify(params)) return 'decode parameters changed';
  const old = index.stamps;
  if (old.paths.length !== stamps.paths.length) return 'the number of source files changed';
  for (let i = 0; i < old.paths.length; i++) {
    if (old.paths[i] !== stamps.paths[i]) return `source file list changed at '${stamps.paths[i]}'`;
    if (old.sizes[i] !== stamps.sizes[i] || old.mtimesMs[i] !== stamps.mtimesMs[i]) {
      return `source file '${stamps.paths[i]}' changed`;
    }
  }
  const labels = source.labels ? index.sourceIndex.map((k) => source.labels![k]) : null;
  if (JSON.stringify(labels) !== JSON.stringify(index.labels)) return 'labels changed';
  if (JSON.stringify(source.classNames ?? null) !== JSON.stringify(index.classNames))
    return 'class names changed';
  return undefined;
}

/** Reads and parses an index; `undefined` when it is missing or unreadable. */
export async function readIndex(indexPath: string): Promise<CacheIndex | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(indexPath, 'utf8')) as CacheIndex;
  } catch {
    return undefined;
  }
}
