/**
 * ROC analysis of verification scores (higher = more alike; a pair is accepted iff
 * score ≥ threshold, thresholds running over every distinct score):
 *
 * - `points`: (FAR, TAR) from (0, 0) at threshold +∞ to (1, 1) at the lowest score; tied scores
 *   move along a diagonal, so
 * - `auc` (trapezoid rule) equals the Mann-Whitney probability P(s⁺ > s⁻) + ½·P(s⁺ = s⁻);
 * - `eer`: where FAR = FRR = 1 − TAR, linearly interpolated between the two ROC points whose
 *   FAR − FRR changes sign; `eerThreshold` is the score of the first point with FAR ≥ FRR;
 * - `tarAtFar`: by default the conservative step rule, the highest TAR over points with
 *   FAR ≤ target, and that point's threshold (as IJB-B/C-style evaluations report); with
 *   `interpolate: true`, TAR linearly interpolated along the ROC at FAR = target. With N negatives
 *   FAR moves in steps of 1/N: TAR at FAR 1e-3 needs N ≥ 1000 to mean anything.
 */
import { readSame, readScores } from './checks';

export interface RocPoint {
  /** Accept iff score ≥ threshold (+∞ for the first point). */
  threshold: number;
  /** False accept rate, FP / negatives. */
  far: number;
  /** True accept rate, TP / positives. */
  tar: number;
}

export interface TarAtFar {
  far: number;
  tar: number;
  /** Threshold achieving it (step rule) or of the ROC point after the crossing (interpolated). */
  threshold: number;
}

export interface RocOptions {
  /** FAR targets (default [1e-2, 1e-3]). */
  farTargets?: readonly number[];
  /** Interpolate TAR at each target instead of the step rule (default false). */
  interpolate?: boolean;
}

export interface RocResult {
  points: RocPoint[];
  auc: number;
  eer: number;
  eerThreshold: number;
  tarAtFar: TarAtFar[];
}

const FN = 'roc';

/**
 * ROC curve, AUC, EER and TAR at fixed FAR.
 *
 * @param scores [P] similarities; @param same [P] true / 1 for genuine pairs.
 * @throws Error naming `roc` and the argument for mismatched lengths, non-finite scores, FAR
 *   targets outside (0, 1], or a class (genuine or impostor) with no pair.
 * @example
 * const { auc, eer, tarAtFar } = roc(cosines, same); // tarAtFar[0] is TAR @ FAR = 1e-2
 */
export function roc(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean | number>,
  options: RocOptions = {},
): RocResult {
  const s = readScores(scores, FN, 'scores');
  const y = readSame(same, FN, 'same', s.length);
  const targets = Array.from(
    readScores(options.farTargets ?? [1e-2, 1e-3], FN, 'options.farTargets'),
  );
  targets.forEach((t, i) => {
    if (!(t > 0 && t <= 1))
      throw new Error(`${FN}: options.farTargets[${i}] must be in (0, 1], got ${t}`);
  });
  const positives = y.reduce((a, v) => a + v, 0);
  const negatives = s.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(
      `${FN}: same must hold both genuine and impostor pairs, got ${positives} and ${negatives}`,
    );
  }
  const order = Array.from(s.keys()).sort((a, b) => s[b] - s[a]);
  const points: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let [tp, fp] = [0, 0];
  order.forEach((p, i) => {
    tp += y[p];
    fp += 1 - y[p];
    if (i + 1 < order.length && s[order[i + 1]] === s[p]) return; // ties form one point
    points.push({ threshold: s[p], far: fp / negatives, tar: tp / positives });
  });

  let auc = 0;
  for (let i = 1; i < points.length; i++) {
    auc += ((points[i].far - points[i - 1].far) * (points[i].tar + points[i - 1].tar)) / 2;
  }

  let eer = 1;
  let eerThreshold = points[points.length - 1].threshold;
  for (let i = 1; i < points.length; i++) {
    const now = points[i].far - (1 - points[i].tar);
    if (now < 0) continue;
    const before = points[i - 1].far - (1 - points[i - 1].tar); // < 0
    const t = now === before ? 0 : -before / (now - before);
    eer = points[i - 1].far + t * (points[i].far - points[i - 1].far);
    eerThreshold = points[i].threshold;
    break;
  }

  const tarAtFar = targets.map((far): TarAtFar => {
    if (!options.interpolate) {
      let best = points[0];
      for (const p of points) if (p.far <= far && p.tar > best.tar) best = p;
      return { far, tar: best.tar, threshold: best.threshold };
    }
    let after = points.findIndex((p) => p.far >= far); // exists: the last point has FAR 1
    if (points[after].far === far) {
      while (after + 1 < points.length && points[after + 1].far === far) after++; // top of a vertical run
    }
    const [a, b] = [points[Math.max(after - 1, 0)], points[after]];
    const t = b.far === a.far ? 1 : (far - a.far) / (b.far - a.far); // b.far = far gives b
    return { far, tar: a.tar + t * (b.tar - a.tar), threshold: b.threshold };
  });
  return { points, auc, eer, eerThreshold, tarAtFar };
}
