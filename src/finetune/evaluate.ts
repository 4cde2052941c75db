/**
 * The end-of-run LFW verification of a fine-tuned backbone, on the held-out folds only.
 *
 * `evaluateLfw` (src/eval/lfw.ts) chooses each fold's threshold on all the other folds of its
 * pairs file; here those would include the training folds, whose people the model has seen (their
 * scores are better separated than a new person's), so the held-out folds are first written to a
 * pairs file of their own (`<run>/eval-pairs.txt`, same format) and evaluated there: thresholds
 * come only from held-out people. With a single held-out fold that is impossible, and the
 * threshold comes from the other folds of the original file (`thresholdFolds: 'all other'`).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Normalize } from '../eval/embedder';
import { BackboneEmbedder } from '../eval/embedder';
import { evaluateLfw, type LfwEvalResult } from '../eval/lfw';
import type { LfwPair } from '../data';
import type { Backbone } from '../models/backbone';
import type { LfwEvalPlan } from './data';

export interface HeldOutEvalOptions {
  /** Run folder (receives `eval-pairs.txt`). */
  outputDir: string;
  /** Network input side and normalisation (the training view's). */
  inputSize: number;
  normalize: Normalize;
  /** Centre-crop fraction of the 128-pixel LFW images. */
  crop: number;
  batchSize: number;
  cacheDir?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** `evaluateLfw`'s result with the folds numbered as in the original pairs file. */
export interface HeldOutEvalResult extends LfwEvalResult {
  pairsFile: string;
  /** Where the thresholds came from. */
  thresholdFolds: 'held-out' | 'all other';
}

function row(pair: LfwPair): string {
  return pair.same
    ? `${pair.nameA}\t${pair.indexA}\t${pair.indexB}`
    : `${pair.nameA}\t${pair.indexA}\t${pair.nameB}\t${pair.indexB}`;
}

/**
 * Verifies `backbone` (not disposed) on the plan's folds.
 * @throws as `evaluateLfw` (missing or undecodable images).
 */
export async function evaluateHeldOut(
  backbone: Backbone,
  plan: LfwEvalPlan,
  options: HeldOutEvalOptions,
): Promise<HeldOutEvalResult> {
  // not disposed: it would free the backbone, which the caller owns
  const embedder = new BackboneEmbedder(`finetune@${options.inputSize}`, backbone, {
    inputSize: options.inputSize,
    crop: options.crop,
    normalize: options.normalize,
  });
  const common = {
    embedder,
    imagesRoot: plan.pairs.imagesRoot,
    batchSize: options.batchSize,
    cacheDir: options.cacheDir,
    onProgress: options.onProgress,
  };
  if (plan.folds.length < 2) {
    const result = await evaluateLfw({ ...common, pairsFile: plan.pairs.file, folds: plan.folds });
    return { ...result, pairsFile: plan.pairs.file, thresholdFolds: 'all other' };
  }
  const folds = plan.folds.map((f) => plan.pairs.folds[f - 1]);
  const file = path.join(options.outputDir, 'eval-pairs.txt');
  const lines = [`${folds.length}\t${folds[0].length / 2}`, ...folds.flat().map(row)];
  await fs.promises.writeFile(file, `${lines.join('\n')}\n`);
  const result = await evaluateLfw({ ...common, pairsFile: file });
  return {
    ...result,
    foldIds: result.foldIds.map((k) => plan.folds[k - 1]),
    pairsFile: plan.pairs.file,
    thresholdFolds: 'held-out',
  };
}
