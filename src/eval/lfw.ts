/**
 * Face verification on LFW (Huang et al. 2007), as insightface's `eval/verification.py` runs it:
 * every image of the pairs is decoded once (uint8 cache, 128×128) and embedded once (flip-summed
 * by default); a pair's score is the cosine of its two embeddings.
 *
 * - View 2 (`pairs.txt`, 10 identity-disjoint folds of 300 + 300 pairs): the threshold of each
 *   held-out fold is the best one on the other 9 (`kFoldVerification`); accuracy is the mean ± std
 *   over the held-out folds (all 10, or the `folds` subset; thresholds still use all the others).
 * - View 1 (`trainPairsFile`: `pairsDevTrain.txt`, `pairsFile`: `pairsDevTest.txt`): the threshold
 *   is chosen on the train pairs and applied to the test pairs (`splitVerification`).
 *
 * AUC, EER and TAR at FAR 1e-2 / 1e-3 (`roc`, step rule) are over the evaluated pairs. With 300
 * impostor pairs per fold, FAR 1e-3 over 10 folds means at most 3 false accepts.
 */
import * as path from 'path';
import { readLfwPairs, type LfwPair } from '../data/lfw_pairs';
import type { Embedder } from './embedder';
import { cosine, embedSource, type EvalStage } from './embed_source';
import { EvalInputError } from './errors';
import { roc } from './roc';
import { kFoldVerification, splitVerification } from './verification';

export interface LfwEvalOptions {
  embedder: Embedder;
  /** `pairs.txt` (View 2), or `pairsDevTest.txt` with `trainPairsFile` (View 1). */
  pairsFile: string;
  /** Folder of `<name>/<name>_NNNN.jpg` (default: `images` beside the pairs file). */
  imagesRoot?: string;
  /** View 1: the pairs that choose the threshold (`pairsDevTrain.txt`). */
  trainPairsFile?: string;
  /** View 2: the folds to evaluate, 1-based as LFW numbers them (default all). */
  folds?: readonly number[];
  /** Flip-sum the embeddings (default true; pixels never flips). */
  flip?: boolean;
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Cache folder (default `FACECLR_CACHE`, else `.cache/faceclr`). */
  cacheDir?: string;
  onProgress?: (stage: EvalStage, done: number, total: number) => void;
}

export interface LfwEvalResult {
  /** `10-fold` (View 2) or `split` (threshold from `trainPairsFile`). */
  protocol: '10-fold' | 'split';
  model: string;
  /** Mean held-out accuracy (View 1: the test accuracy). */
  accuracy: number;
  /** Population std over the held-out folds (0 for a split). */
  std: number;
  /** Held-out accuracy of each evaluated fold, in `foldIds` order. */
  folds: number[];
  /** The evaluated folds, 1-based (empty for a split). */
  foldIds: number[];
  /** Mean of the per-fold thresholds (split: the train threshold). Cosine: accept iff score > threshold. */
  threshold: number;
  auc: number;
  eer: number;
  tarAtFar: { '1e-2': number; '1e-3': number };
  /** Pairs scored in the accuracy (the evaluated folds, or the test pairs). */
  pairs: number;
  /** Distinct images embedded. */
  images: number;
  flip: boolean;
  inputSize: number;
  crop: number;
  seconds: number;
  decodeSeconds: number;
  embedSeconds: number;
  /** Images embedded per second (flip-summing embeds each twice). */
  imagesPerSecond: number;
}

function checkFolds(folds: readonly number[], count: number, file: string): number[] {
  if (folds.length === 0) throw new EvalInputError('evaluateLfw: folds must not be empty');
  for (const f of folds) {
    if (!Number.isInteger(f) || f < 1 || f > count) {
      throw new EvalInputError(
        `evaluateLfw: folds must be integers in 1..${count} (${file}), got ${f}`,
      );
    }
  }
  return [...new Set(folds)].sort((a, b) => a - b);
}

/**
 * Runs the LFW verification protocol with `embedder`.
 * @throws EvalInputError for bad folds or a one-fold file without `trainPairsFile`; DataError
 *   (from the data layer) for a malformed pairs file or a missing image.
 * @example
 * const r = await evaluateLfw({ embedder: new PixelsEmbedder(), pairsFile: 'lfw/pairs.txt' });
 * console.log(r.accuracy, r.std, r.tarAtFar['1e-3']);
 */
export async function evaluateLfw(options: LfwEvalOptions): Promise<LfwEvalResult> {
  const started = performance.now();
  const { embedder } = options;
  const test = readLfwPairs(options.pairsFile, { imagesRoot: options.imagesRoot });
  const train = options.trainPairsFile
    ? readLfwPairs(options.trainPairsFile, { imagesRoot: options.imagesRoot ?? test.imagesRoot })
    : undefined;
  if (train && options.folds) {
    throw new EvalInputError(
      'evaluateLfw: folds apply to the 10-fold protocol, not with trainPairsFile',
    );
  }
  if (!train && test.folds.length < 2) {
    throw new EvalInputError(
      `evaluateLfw: ${test.file} has ${test.folds.length} fold (View 1); pass trainPairsFile (e.g. pairsDevTrain.txt) to choose the threshold`,
    );
  }
  const foldIds = train
    ? []
    : checkFolds(options.folds ?? test.folds.map((_, i) => i + 1), test.folds.length, test.file);
  const testPairs = test.folds.flat();
  const trainPairs = train ? train.folds.flat() : [];
  const paths = [
    ...new Set([...testPairs, ...trainPairs].flatMap((p) => [p.pathA, p.pathB])),
  ].sort();
  const embedded = await embedSource(
    embedder,
    { paths },
    {
      cacheDir: options.cacheDir,
      cacheName: `lfw-${path.basename(test.file, '.txt')}`,
      flip: options.flip,
      batchSize: options.batchSize,
      onProgress: options.onProgress,
    },
  );
  const row = new Map(embedded.paths.map((p, i) => [p, embedded.rows[i]]));
  const score = (pair: LfwPair): number => {
    const [a, b] = [row.get(pair.pathA), row.get(pair.pathB)];
    if (!a || !b) {
      const missing = a ? pair.pathB : pair.pathA;
      throw new EvalInputError(
        `evaluateLfw: image '${missing}' (line ${pair.line}) could not be decoded`,
      );
    }
    return cosine(a, b);
  };
  const scores = testPairs.map(score);
  const same = testPairs.map((p) => p.same);
  let summary: Pick<LfwEvalResult, 'accuracy' | 'std' | 'folds' | 'threshold'>;
  let evaluated: number[];
  if (train) {
    const split = splitVerification(
      { scores: trainPairs.map(score), same: trainPairs.map((p) => p.same) },
      { scores, same },
    );
    summary = {
      accuracy: split.accuracy,
      std: 0,
      folds: [split.accuracy],
      threshold: split.threshold,
    };
    evaluated = scores.map((_, i) => i);
  } else {
    const pairFold = test.folds.flatMap((fold, f) => fold.map(() => f + 1));
    const result = kFoldVerification(scores, same, pairFold, { evaluateFolds: foldIds });
    summary = {
      accuracy: result.accuracy,
      std: result.std,
      folds: result.folds.map((f) => f.accuracy),
      threshold: result.threshold,
    };
    evaluated = pairFold.flatMap((f, i) => (foldIds.includes(f) ? [i] : []));
  }
  const curve = roc(
    evaluated.map((i) => scores[i]),
    evaluated.map((i) => same[i]),
    { farTargets: [1e-2, 1e-3] },
  );
  const flip = embedder.flips && options.flip !== false;
  return {
    protocol: train ? 'split' : '10-fold',
    model: embedder.name,
    ...summary,
    foldIds,
    auc: curve.auc,
    eer: curve.eer,
    tarAtFar: { '1e-2': curve.tarAtFar[0].tar, '1e-3': curve.tarAtFar[1].tar },
    pairs: evaluated.length,
    images: embedded.rows.length,
    flip,
    inputSize: embedder.inputSize,
    crop: embedder.crop,
    seconds: (performance.now() - started) / 1000,
    decodeSeconds: embedded.decodeSeconds,
    embedSeconds: embedded.embedSeconds,
    imagesPerSecond: embedded.rows.length / Math.max(embedded.embedSeconds, 1e-9),
  };
}
