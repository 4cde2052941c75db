/**
 * Face verification accuracy by the LFW protocol (Huang et al. 2007), as insightface's
 * `recognition/arcface_torch/eval/verification.py` computes it: for each of the k folds, the
 * threshold that maximises accuracy on the other k − 1 folds is applied to the held-out fold; the
 * result is the mean ± std of the k held-out accuracies.
 *
 * Conventions (documented choices): thresholds, the "same" rule and ties as in `threshold.ts`
 * (exact midpoints by default, score > threshold ⇔ same, ties → the median optimum); std is the
 * population std (np.std, insightface's) unless `std: 'sample'`; `threshold` in the result is the
 * mean of the per-fold thresholds.
 */
import { readIntegers, readSame, readScores } from './checks';
import { ThresholdCandidates, chooseThreshold, readGrid } from './threshold';

export { bestThreshold, verificationAccuracy } from './threshold';
export type { ThresholdCandidates, ThresholdChoice } from './threshold';

export interface VerificationOptions {
  /** `'midpoints'` (default, exact) or a grid of candidate thresholds. */
  thresholds?: ThresholdCandidates;
  /** `'population'` (default, np.std) or `'sample'` (n − 1). */
  std?: 'population' | 'sample';
  /** Evaluate only these fold ids (thresholds still come from all other folds). Default: all. */
  evaluateFolds?: readonly number[];
}

export interface FoldResult {
  fold: number;
  /** Threshold chosen on the other folds. */
  threshold: number;
  /** Accuracy of the other folds at that threshold. */
  trainAccuracy: number;
  /** Held-out accuracy. */
  accuracy: number;
  /** Pairs in the held-out fold. */
  pairs: number;
}

export interface VerificationResult {
  /** Mean held-out accuracy over the evaluated folds. */
  accuracy: number;
  std: number;
  /** Mean of the per-fold thresholds. */
  threshold: number;
  folds: FoldResult[];
}

/**
 * The k-fold verification protocol (LFW View 2: 10 folds of 600 pairs).
 *
 * @param scores [P] similarities (e.g. cosine of flip-summed embeddings).
 * @param same [P] true / 1 for same-identity pairs.
 * @param folds [P] fold id of each pair (integers ≥ 0; at least two distinct ids).
 * @returns mean ± std held-out accuracy, per-fold results, the mean threshold.
 * @throws Error naming `kFoldVerification` and the argument for mismatched lengths, non-finite
 *   scores, bad labels or fold ids, fewer than two folds, or an unknown fold in `evaluateFolds`.
 * @example
 * const { accuracy, std } = kFoldVerification(cosines, pairs.map((p) => p.same), pairFolds);
 */
export function kFoldVerification(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean | number>,
  folds: ArrayLike<number>,
  options: VerificationOptions = {},
): VerificationResult {
  const fn = 'kFoldVerification';
  const s = readScores(scores, fn, 'scores');
  const y = readSame(same, fn, 'same', s.length);
  const f = readIntegers(folds, fn, 'folds', s.length);
  const grid = readGrid(options.thresholds, fn);
  const stdKind = options.std ?? 'population';
  if (stdKind !== 'population' && stdKind !== 'sample') {
    throw new Error(`${fn}: options.std must be 'population' | 'sample', got '${String(stdKind)}'`);
  }
  const ids = [...new Set(f)].sort((a, b) => a - b);
  if (ids.length < 2)
    throw new Error(`${fn}: folds must hold at least 2 distinct fold ids, got ${ids.length}`);
  const evaluate =
    options.evaluateFolds === undefined
      ? ids
      : Array.from(readIntegers(options.evaluateFolds, fn, 'options.evaluateFolds'));
  for (const id of evaluate) {
    if (!ids.includes(id))
      throw new Error(`${fn}: options.evaluateFolds has fold ${id}, which no pair belongs to`);
  }
  if (evaluate.length === 0) throw new Error(`${fn}: options.evaluateFolds must not be empty`);
  const results = evaluate.map((fold): FoldResult => {
    const train = Array.from(f.keys()).filter((i) => f[i] !== fold);
    const test = Array.from(f.keys()).filter((i) => f[i] === fold);
    const choice = chooseThreshold(
      Float64Array.from(train, (i) => s[i]),
      Uint8Array.from(train, (i) => y[i]),
      grid,
    );
    let correct = 0;
    for (const i of test) correct += +(s[i] > choice.threshold) === y[i] ? 1 : 0;
    return {
      fold,
      threshold: choice.threshold,
      trainAccuracy: choice.accuracy,
      accuracy: correct / test.length,
      pairs: test.length,
    };
  });
  const accuracies = results.map((r) => r.accuracy);
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const squares = accuracies.reduce((a, v) => a + (v - mean) ** 2, 0);
  const denominator = stdKind === 'sample' ? accuracies.length - 1 : accuracies.length;
  return {
    accuracy: mean,
    std: denominator > 0 ? Math.sqrt(squares / denominator) : 0,
    threshold: results.reduce((a, r) => a + r.threshold, 0) / results.length,
    folds: results,
  };
}

/** Pairs with their labels, for {@link splitVerification}. */
export interface ScoredPairs {
  scores: ArrayLike<number>;
  same: ArrayLike<boolean | number>;
}

/**
 * A single train/test split (LFW View 1): the threshold is chosen on `train` (pairsDevTrain) and
 * applied to `test` (pairsDevTest).
 *
 * @throws Error naming `splitVerification` and the argument for empty or mismatched inputs.
 * @example splitVerification({ scores: devTrain, same: devTrainSame }, { scores: devTest, same: devTestSame })
 */
export function splitVerification(
  train: ScoredPairs,
  test: ScoredPairs,
  options: { thresholds?: ThresholdCandidates } = {},
): { threshold: number; trainAccuracy: number; accuracy: number } {
  const fn = 'splitVerification';
  const trainScores = readScores(train?.scores, fn, 'train.scores');
  const testScores = readScores(test?.scores, fn, 'test.scores');
  if (trainScores.length === 0) throw new Error(`${fn}: train.scores must not be empty`);
  if (testScores.length === 0) throw new Error(`${fn}: test.scores must not be empty`);
  const trainSame = readSame(train.same, fn, 'train.same', trainScores.length);
  const testSame = readSame(test.same, fn, 'test.same', testScores.length);
  const choice = chooseThreshold(trainScores, trainSame, readGrid(options.thresholds, fn));
  let correct = 0;
  testScores.forEach((v, i) => (correct += +(v > choice.threshold) === testSame[i] ? 1 : 0));
  return {
    threshold: choice.threshold,
    trainAccuracy: choice.accuracy,
    accuracy: correct / testScores.length,
  };
}

/**
 * Contiguous fold ids for P pairs in k folds, as sklearn's `KFold(k, shuffle=False)` (insightface's
 * `LFold`): the first P mod k folds get one extra pair.
 *
 * @example contiguousFolds(6000, 10) // 600 pairs of fold 0, then 600 of fold 1, …
 */
export function contiguousFolds(pairs: number, folds = 10): Int32Array {
  if (!Number.isInteger(pairs) || pairs < folds)
    throw new Error(`contiguousFolds: pairs must be an integer >= folds (${folds}), got ${pairs}`);
  if (!Number.isInteger(folds) || folds < 2)
    throw new Error(`contiguousFolds: folds must be an integer >= 2, got ${folds}`);
  const out = new Int32Array(pairs);
  const [size, extra] = [Math.floor(pairs / folds), pairs % folds];
  let at = 0;
  for (let k = 0; k < folds; k++) {
    const count = size + (k < extra ? 1 : 0);
    out.fill(k, at, at + count);
    at += count;
  }
  return out;
}
