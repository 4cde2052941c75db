/**
 * Threshold selection for face verification (used by `verification.ts`).
 *
 * - Scores are similarities (higher = more alike); a pair is predicted "same" iff score > threshold
 *   (insightface thresholds a distance with `dist < threshold`, the same rule mirrored).
 * - Candidates: by default (`'midpoints'`) the exact optimum over all thresholds: the midpoints
 *   between consecutive distinct scores, plus one just below the lowest and one just above the
 *   highest (all "same" / all "different"). A grid (e.g. insightface's `np.arange(0, 4, 0.01)` on
 *   squared distance) is evaluated as given.
 * - Ties: when several candidates reach the best accuracy, the median of them (the lower median
 *   for an even count) is taken, i.e. the middle of the optimal range. insightface's `np.argmax`
 *   takes the first; on separable data the median is the gap's centre.
 */
import { readSame, readScores } from './checks';

export interface ThresholdChoice {
  threshold: number;
  /** Accuracy on the pairs the threshold was chosen on. */
  accuracy: number;
}

/** Candidate thresholds: `'midpoints'` (default, exact) or a grid. */
export type ThresholdCandidates = 'midpoints' | readonly number[];

/** Fraction of pairs classified right by `score > threshold ⇔ same`. */
export function verificationAccuracy(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean | number>,
  threshold: number,
): number {
  const fn = 'verificationAccuracy';
  const s = readScores(scores, fn, 'scores');
  const y = readSame(same, fn, 'same', s.length);
  if (s.length === 0) throw new Error(`${fn}: scores must not be empty`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new Error(`${fn}: threshold must be a number, got ${String(threshold)}`);
  }
  let correct = 0;
  for (let i = 0; i < s.length; i++) correct += +(s[i] > threshold) === y[i] ? 1 : 0;
  return correct / s.length;
}

function medianOfTies(candidates: number[], correct: number[]): { index: number; best: number } {
  const best = Math.max(...correct);
  const tied = correct.flatMap((c, i) => (c === best ? [i] : []));
  return { index: tied[Math.floor((tied.length - 1) / 2)], best };
}

/** The accuracy-maximising threshold on one set of pairs (conventions of the module comment). */
export function chooseThreshold(
  s: Float64Array,
  y: Uint8Array,
  grid: readonly number[] | undefined,
): ThresholdChoice {
  const order = Array.from(s.keys()).sort((a, b) => s[a] - s[b]);
  const n = order.length;
  const totalPositive = y.reduce((t, v) => t + v, 0);
  // belowNeg[i] / belowPos[i]: negatives / positives among the i lowest scores.
  const [belowNeg, belowPos] = [new Int32Array(n + 1), new Int32Array(n + 1)];
  order.forEach((p, i) => {
    belowNeg[i + 1] = belowNeg[i] + (y[p] ? 0 : 1);
    belowPos[i + 1] = belowPos[i] + y[p];
  });
  const sorted = order.map((p) => s[p]);
  /** Correct predictions when the `i` lowest scores are called "different". */
  const correctAt = (i: number) => belowNeg[i] + (totalPositive - belowPos[i]);
  const candidates: number[] = [];
  const correct: number[] = [];
  if (grid) {
    for (const t of grid) {
      let [lo, hi] = [0, n]; // count of scores ≤ t
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] <= t) lo = mid + 1;
        else hi = mid;
      }
      candidates.push(t);
      correct.push(correctAt(lo));
    }
  } else {
    const low = sorted[0];
    candidates.push(low - 1e-6 * Math.max(1, Math.abs(low)));
    correct.push(correctAt(0));
    for (let i = 1; i < n; i++) {
      if (sorted[i] === sorted[i - 1]) continue;
      candidates.push((sorted[i - 1] + sorted[i]) / 2);
      correct.push(correctAt(i));
    }
    const high = sorted[n - 1];
    candidates.push(high + 1e-6 * Math.max(1, Math.abs(high)));
    correct.push(correctAt(n));
  }
  const { index, best } = medianOfTies(candidates, correct);
  return { threshold: candidates[index], accuracy: best / n };
}

/** The grid of `thresholds`, or undefined for the exact midpoints; throws naming `fn`. */
export function readGrid(
  thresholds: ThresholdCandidates | undefined,
  fn: string,
): number[] | undefined {
  if (thresholds === undefined || thresholds === 'midpoints') return undefined;
  if (!Array.isArray(thresholds) || thresholds.length === 0) {
    throw new Error(
      `${fn}: options.thresholds must be 'midpoints' or a non-empty array of numbers`,
    );
  }
  return Array.from(readScores(thresholds, fn, 'options.thresholds'));
}

/**
 * The threshold maximising verification accuracy on the given pairs.
 *
 * @param scores [P] similarities; @param same [P] true / 1 for same-identity pairs.
 * @throws Error naming `bestThreshold` and the argument for empty or mismatched inputs.
 * @example bestThreshold([0.9, 0.8, 0.2], [1, 1, 0]) // { threshold: 0.5, accuracy: 1 }
 */
export function bestThreshold(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean | number>,
  options: { thresholds?: ThresholdCandidates } = {},
): ThresholdChoice {
  const fn = 'bestThreshold';
  const s = readScores(scores, fn, 'scores');
  if (s.length === 0) throw new Error(`${fn}: scores must not be empty`);
  return chooseThreshold(s, readSame(same, fn, 'same', s.length), readGrid(options.thresholds, fn));
}
