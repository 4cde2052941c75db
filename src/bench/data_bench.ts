/**
 * `faceclr bench data`: the input pipeline's throughput, stage by stage, at 64x64 (the reference
 * step's size):
 *
 * | field | what is timed |
 * | ----- | ------------- |
 * | decodeImagesPerSecond | first pass: `buildCache` into a fresh temporary cache folder (files/s, skipped included) |
 * | cachedImagesPerSecond | whole epochs of `DataLoader` batches (128, shuffled, prefetch 2) read from the opened cache |
 * | augmentViewsPerSecond | `simclr` at 64x64 on one batch of 128 (2 views), after a warm-up |
 * | augmentViewsPerSecond112 | `face` at 112x112 on 128 images decoded at 112 |
 * | loaderViewsPerSecond | end to end: loader (prefetch 2) -> `batchToTensor` -> 2 `simclr` views (>= 3 batches) |
 *
 * Each stage after decoding runs for at least `minSeconds` (default 2).
 *
 * Without `data`, synthetic faces (112 px) are written to a temporary folder first, so the bench
 * runs on a fresh machine. Every temporary folder is removed afterwards.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MultiViewTransform } from '../augment/multi_view_transform';
import * as data from '../data';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { Rng } from '../util/random';

export interface DataBenchOptions {
  /** A folder of images at any depth (identity or flat); default: synthetic faces. */
  data?: string;
  /** Use only the first `images` files (default: all; 512 synthetic faces without `data`). */
  images?: number;
  backend?: string;
  threads?: number;
  /** Images per batch (default 128). */
  batch?: number;
  seed?: number;
  /** Minimum seconds of each timed stage after decoding (default 2). */
  minSeconds?: number;
  /** Called when a stage starts (human progress). */
  onStage?: (message: string) => void;
}

export interface DataBenchResult {
  data: string;
  synthetic: boolean;
  /** Images decoded into the cache, and files skipped. */
  images: number;
  skipped: number;
  size: number;
  batch: number;
  backend: string;
  threads: number;
  decodeImagesPerSecond: number;
  cachedImagesPerSecond: number;
  augmentViewsPerSecond: number;
  augmentViewsPerSecond112: number;
  loaderViewsPerSecond: number;
  decodeSeconds: number;
  cacheOpenSeconds: number;
  /** The machine's 1-minute load average at the end (other processes compete for the cores). */
  loadAverage: number;
}

const SIZE = 64;

const now = () => performance.now() / 1000;

/** Views/s of `transform` on `images`: one warm-up, then rounds until `minSeconds` (>= 2 rounds). */
function augmentSpeed(
  transform: MultiViewTransform,
  images: tf.Tensor4D,
  minSeconds: number,
): number {
  const rng = new Rng(1);
  tf.dispose(transform.apply(images, rng));
  const start = now();
  let views = 0;
  for (let round = 0; round < 2 || now() - start < minSeconds; round++) {
    const out = transform.apply(images, rng);
    out.forEach((v) => v.dataSync());
    views += images.shape[0] * out.length;
    tf.dispose(out);
  }
  return views / (now() - start);
}

async function syntheticSource(
  dir: string,
  images: number,
  seed: number,
): Promise<data.ImageSource> {
  const perIdentity = 8;
  const source = await data.generateSynthFaces({
    outDir: dir,
    identities: Math.ceil(images / perIdentity),
    imagesPerIdentity: perIdentity,
    size: 112,
    seed,
  });
  return { paths: source.paths.slice(0, images), root: dir };
}

/** Decodes up to `count` images of `paths` at `size` (skipping undecodable files) as a tensor. */
async function decodeBatch(paths: string[], count: number, size: number): Promise<tf.Tensor4D> {
  const picked: Uint8Array[] = [];
  for (const file of paths) {
    if (picked.length === count) break;
    const rgb = await data.decodeImage(file, { size }).catch(() => undefined);
    if (rgb) picked.push(rgb);
  }
  const bytes = new Uint8Array(picked.length * size * size * 3);
  picked.forEach((rgb, k) => bytes.set(rgb, k * rgb.length));
  return data.imagesToTensor(bytes, picked.length, size);
}

/**
 * Runs the stages in order on one dataset.
 * @throws DataError for a missing or empty `data` folder, or when nothing can be decoded.
 * @example
 * const r = await runDataBench({ data: '../shared/data/utkface/images' });
 * console.log(r.decodeImagesPerSecond, r.loaderViewsPerSecond);
 */
export async function runDataBench(options: DataBenchOptions = {}): Promise<DataBenchResult> {
  const batch = options.batch ?? 128;
  const seed = options.seed ?? 0;
  const minSeconds = options.minSeconds ?? 2;
  const stage = options.onStage ?? (() => undefined);
  const info = await initBackend(options.backend, { threads: options.threads });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-bench-data-'));
  let cache: data.ImageCache | undefined;
  const tensors: tf.Tensor[] = [];
  try {
    let source: data.ImageSource;
    if (options.data === undefined) {
      stage(`writing ${options.images ?? 512} synthetic faces to ${tmp}`);
      source = await syntheticSource(path.join(tmp, 'synth'), options.images ?? 512, seed);
    } else {
      const full = data.flatFolderSource(options.data);
      source = { paths: full.paths.slice(0, options.images), root: full.root };
    }
    stage(`decode: ${source.paths.length} files into a fresh cache at ${SIZE}x${SIZE}`);
    let start = now();
    const built = await data.buildCache(source, { size: SIZE, cacheDir: path.join(tmp, 'cache') });
    const decodeSeconds = now() - start;

    stage('cached load');
    start = now();
    cache = await data.ImageCache.open(built.indexPath);
    const cacheOpenSeconds = now() - start;
    const loader = new data.DataLoader(cache, { batchSize: batch, seed, prefetch: 2 });
    let images = 0;
    start = now();
    while (images === 0 || now() - start < minSeconds) {
      for await (const b of loader.epochBatches()) images += b.indices.length;
    }
    const cachedImagesPerSecond = images / (now() - start);

    stage(`augment: simclr ${SIZE}x${SIZE} and face 112x112, batch ${batch}`);
    const simclr = MultiViewTransform.fromPreset('simclr', { views: [{ size: SIZE }] });
    const first = Int32Array.from({ length: Math.min(batch, cache.count) }, (_, i) => i);
    const x64 = data.imagesToTensor(await cache.readBatch(first), first.length, SIZE);
    tensors.push(x64);
    const augmentViewsPerSecond = augmentSpeed(simclr, x64, minSeconds);
    const x112 = await decodeBatch(cache.paths as string[], batch, 112);
    tensors.push(x112);
    const augmentViewsPerSecond112 = augmentSpeed(
      MultiViewTransform.fromPreset('face'),
      x112,
      minSeconds,
    );

    stage('loader end to end: loader -> tensor -> 2 simclr views');
    const rng = new Rng(seed);
    let [views, batches] = [0, 0];
    start = now();
    outer: for (;;) {
      for await (const b of loader.epochBatches()) {
        const x = data.batchToTensor(b);
        const out = simclr.apply(x, rng);
        out.forEach((v) => v.dataSync());
        views += out.length * b.indices.length;
        tf.dispose([x, ...out]);
        if (++batches >= 3 && now() - start >= minSeconds) break outer;
      }
    }
    const loaderViewsPerSecond = views / (now() - start);

    return {
      data: options.data === undefined ? 'synthetic' : path.resolve(options.data),
      synthetic: options.data === undefined,
      images: built.index.count,
      skipped: built.index.skipped.length,
      size: SIZE,
      batch,
      backend: info.backend,
      threads: info.threads,
      decodeImagesPerSecond: source.paths.length / decodeSeconds,
      cachedImagesPerSecond,
      augmentViewsPerSecond,
      augmentViewsPerSecond112,
      loaderViewsPerSecond,
      decodeSeconds,
      cacheOpenSeconds,
      loadAverage: os.loadavg()[0],
    };
  } finally {
    tf.dispose(tensors);
    await cache?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
