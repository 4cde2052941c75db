/**
 * Decode a list of images once into the uint8 cache (`loadCache`), then embed every cached image:
 * the common first half of the LFW and probe protocols, with the timings both report.
 */
import { loadCache, type ImageCache } from '../data/image_cache';
import type { ImageSource } from '../data/image_source';
import type { Embedder } from './embedder';

export type EvalStage = 'decode' | 'embed';

export interface EmbedSourceOptions {
  /** Side of the decoded images in the cache (default 128, LFW's side). */
  imageSize?: number;
  /** Cache folder (default `FACECLR_CACHE`, else `.cache/faceclr`). */
  cacheDir?: string;
  /** Readable cache name. */
  cacheName?: string;
  /** Flip-sum (default true; pixels never flips). */
  flip?: boolean;
  /** Images per forward pass (default 256). */
  batchSize?: number;
  onProgress?: (stage: EvalStage, done: number, total: number) => void;
}

export interface EmbeddedSource {
  /** One row per cached image, in `paths` order. */
  rows: Float32Array[];
  /** The decoded images' paths (undecodable files are skipped and listed in `skipped`). */
  paths: readonly string[];
  labels?: Int32Array;
  skipped: readonly { path: string; reason: string }[];
  decodeSeconds: number;
  embedSeconds: number;
}

/**
 * @throws DataError from the cache (missing or undecodable files).
 * @example const { rows, paths } = await embedSource(embedder, identityFolderSource(dir));
 */
export async function embedSource(
  embedder: Embedder,
  source: ImageSource,
  options: EmbedSourceOptions = {},
): Promise<EmbeddedSource> {
  const started = performance.now();
  const cache: ImageCache = await loadCache(source, {
    size: options.imageSize ?? 128,
    cacheDir: options.cacheDir,
    name: options.cacheName,
    onProgress: (done, total) => options.onProgress?.('decode', done, total),
  });
  try {
    const decoded = performance.now();
    const rows = await embedder.embed(cache, {
      flip: options.flip,
      batchSize: options.batchSize,
      onProgress: (done, total) => options.onProgress?.('embed', done, total),
    });
    return {
      rows,
      paths: cache.paths,
      labels: cache.labels,
      skipped: cache.skipped,
      decodeSeconds: (decoded - started) / 1000,
      embedSeconds: (performance.now() - decoded) / 1000,
    };
  } finally {
    await cache.dispose();
  }
}

/** Cosine similarity of two rows (0 when either is zero). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let d = 0; d < a.length; d++) {
    dot += a[d] * b[d];
    na += a[d] * a[d];
    nb += b[d] * b[d];
  }
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}
