/**
 * Frozen-feature probes on an identity-folder dataset (`root/<person>/<image>`): the people with at
 * least `minImages` images, each person's images split by a seeded shuffle into train
 * (`trainFraction`, at least one, at most all but one) and test. On the same embeddings:
 *
 * - kNN: k = 20 nearest train images by cosine, votes weighted by similarity (`knnClassify`);
 * - linear probe: softmax regression on the train embeddings (`linearProbe`);
 * - 1:N identification: the first train image of each person is the gallery, every test image a
 *   probe; rank-1 / rank-5 (`identification`).
 */
import { identityFolderSource } from '../data/folder_sources';
import { Rng } from '../util/random';
import type { Embedder } from './embedder';
import { embedSource, type EvalStage } from './embed_source';
import { EvalInputError } from './errors';
import { identification } from './identification';
import { knnClassify } from './knn';
import { linearProbe, type LinearProbeOptions } from './linear_probe';

export interface ProbeEvalOptions {
  embedder: Embedder;
  /** Identity-folder dataset root. */
  root: string;
  /** Keep people with at least this many images (default 10; at least 2). */
  minImages?: number;
  /** Fraction of each person's images used for training (default 0.5). */
  trainFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** kNN neighbours (default 20). */
  k?: number;
  /** Options of the linear probe (default: `linearProbe`'s). */
  linear?: LinearProbeOptions;
  flip?: boolean;
  batchSize?: number;
  cacheDir?: string;
  onProgress?: (stage: EvalStage | 'probe', done: number, total: number) => void;
}

export interface ProbeEvalResult {
  model: string;
  identities: number;
  images: number;
  trainImages: number;
  testImages: number;
  /** kNN top-1 accuracy on the test images. */
  knnTop1: number;
  /** Linear-probe top-1 accuracy on the test images (and on its own train images). */
  linearTop1: number;
  linearTrainTop1: number;
  /** Identification with one gallery image per person. */
  rank1: number;
  rank5: number;
  flip: boolean;
  seconds: number;
  embedSeconds: number;
  imagesPerSecond: number;
}

/** Seeded per-identity split: indices of the train and test images. */
export function splitPerIdentity(
  labels: ArrayLike<number>,
  trainFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++)
    byLabel.set(labels[i], [...(byLabel.get(labels[i]) ?? []), i]);
  const rng = new Rng(seed);
  const [train, test] = [[] as number[], [] as number[]];
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const images = byLabel.get(label)!;
    if (images.length < 2) continue; // nothing to test it on (e.g. its other images were undecodable)
    for (let i = images.length - 1; i > 0; i--) {
      const j = rng.int(i + 1); // Fisher-Yates
      [images[i], images[j]] = [images[j], images[i]];
    }
    const n = Math.min(images.length - 1, Math.max(1, Math.round(images.length * trainFraction)));
    train.push(...images.slice(0, n));
    test.push(...images.slice(n));
  }
  return { train, test };
}

/**
 * Embeds the dataset once and runs the three probes.
 * @throws EvalInputError for options out of range or fewer than 2 people left; DataError for a
 *   missing root or no images.
 * @example const r = await evaluateProbe({ embedder, root: 'lfw/images', minImages: 10 });
 */
export async function evaluateProbe(options: ProbeEvalOptions): Promise<ProbeEvalResult> {
  const started = performance.now();
  const { embedder, minImages = 10, trainFraction = 0.5, seed = 0, k = 20 } = options;
  if (!Number.isInteger(minImages) || minImages < 2) {
    throw new EvalInputError(`evaluateProbe: minImages must be an integer >= 2, got ${minImages}`);
  }
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new EvalInputError(
      `evaluateProbe: trainFraction must be in (0, 1), got ${trainFraction}`,
    );
  }
  const source = identityFolderSource(options.root, { minImagesPerIdentity: minImages });
  if ((source.classNames?.length ?? 0) < 2) {
    throw new EvalInputError(
      `evaluateProbe: '${options.root}' has ${source.classNames?.length ?? 0} identities with >= ${minImages} images; need at least 2`,
    );
  }
  const embedded = await embedSource(embedder, source, {
    cacheDir: options.cacheDir,
    cacheName: `probe-min${minImages}`,
    flip: options.flip,
    batchSize: options.batchSize,
    onProgress: options.onProgress,
  });
  const labels = embedded.labels!;
  const { train, test } = splitPerIdentity(labels, trainFraction, seed);
  const set = (indices: number[]) => ({
    embeddings: indices.map((i) => embedded.rows[i]),
    labels: indices.map((i) => labels[i]),
  });
  const [trainSet, testSet] = [set(train), set(test)];
  const classes = Math.max(...labels) + 1;
  options.onProgress?.('probe', 0, 3);
  const knn = knnClassify(trainSet, testSet, { k });
  options.onProgress?.('probe', 1, 3);
  const linear = linearProbe(trainSet, testSet, { seed, classes, ...options.linear });
  options.onProgress?.('probe', 2, 3);
  const seen = new Set<number>();
  const galleryIndices = train.filter((i) => !seen.has(labels[i]) && seen.add(labels[i])); // first train image per person
  const ident = identification(set(galleryIndices), testSet);
  options.onProgress?.('probe', 3, 3);
  return {
    model: embedder.name,
    identities: seen.size,
    images: embedded.rows.length,
    trainImages: train.length,
    testImages: test.length,
    knnTop1: knn.top1,
    linearTop1: linear.top1,
    linearTrainTop1: linear.trainTop1,
    rank1: ident.rank1,
    rank5: ident.rank5,
    flip: embedder.flips && options.flip !== false,
    seconds: (performance.now() - started) / 1000,
    embedSeconds: embedded.embedSeconds,
    imagesPerSecond: embedded.rows.length / Math.max(embedded.embedSeconds, 1e-9),
  };
}
