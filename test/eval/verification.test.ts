import {
  bestThreshold,
  contiguousFolds,
  kFoldVerification,
  splitVerification,
  verificationAccuracy,
} from '../../src/eval/verification';
import { Rng } from '../../src/util/random';

// Three folds of four pairs; worked by hand in the comments below.
const scores = [0.9, 0.8, 0.2, 0.1, 0.7, 0.6, 0.4, 0.3, 0.9, 0.35, 0.5, 0.1];
const same = [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0];
const folds = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];

describe('bestThreshold', () => {
  it('picks the midpoint of the best gap; ties go to the (lower) median optimum', () => {
    // Candidates: <0.1: 3/6, 0.15: 4, 0.25: 5, 0.35: 4, 0.45: 5, 0.55: 4, >0.6: 3.
    const got = bestThreshold([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 0, 1, 0, 1, 1]);
    expect(got.threshold).toBeCloseTo(0.25, 12);
    expect(got.accuracy).toBeCloseTo(5 / 6, 12);
    const separable = bestThreshold([0.9, 0.1, 0.8, 0.2], [true, false, true, false]);
    expect(separable).toEqual({ threshold: 0.5, accuracy: 1 });
    // Three tied optima, 0.15, 0.35 and 0.55 (4/6 each): the middle one.
    const three = bestThreshold([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 0, 1]);
    expect(three.accuracy).toBeCloseTo(4 / 6, 12);
    expect(three.threshold).toBeCloseTo(0.35, 12);
  });

  it('evaluates a grid as given (score > threshold ⇔ same)', () => {
    const got = bestThreshold([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 0, 1, 0, 1, 1], {
      thresholds: [0, 0.2, 0.4, 1],
    });
    expect(got).toEqual({ threshold: 0.2, accuracy: 5 / 6 });
    expect(verificationAccuracy([0.2, 0.3], [0, 1], 0.2)).toBe(1);
  });

  it('midpoints reach at least the training accuracy of any fine grid (random scores)', () => {
    const rng = new Rng(3);
    const s = Array.from({ length: 500 }, () => rng.uniform(-1, 1));
    const y = s.map((v) => +(v + rng.normal(0, 0.5) > 0));
    const exact = bestThreshold(s, y);
    const grid = Array.from({ length: 2001 }, (_, i) => -1 + i / 1000);
    expect(exact.accuracy).toBeGreaterThanOrEqual(
      bestThreshold(s, y, { thresholds: grid }).accuracy,
    );
    expect(verificationAccuracy(s, y, exact.threshold)).toBeCloseTo(exact.accuracy, 12);
  });
});

describe('kFoldVerification', () => {
  it('follows the protocol on a hand-made 3-fold case', () => {
    // Held-out 0: threshold from folds 1+2 is 0.55 (7/8) → fold 0 accuracy 1.
    // Held-out 1: folds 0+2 tie at 0.275 and 0.65 (7/8) → 0.275 → 0.4 and 0.3 wrong → 0.5.
    // Held-out 2: folds 0+1 separable at 0.5 → 0.35 (same) wrong, 0.5 (diff) right → 0.75.
    const r = kFoldVerification(scores, same, folds);
    expect(r.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    expect(r.folds.map((f) => f.threshold)).toEqual(
      [0.55, 0.275, 0.5].map((t) => expect.closeTo(t, 12)),
    );
    expect(r.folds.map((f) => f.accuracy)).toEqual([1, 0.5, 0.75]);
    expect(r.folds.map((f) => f.trainAccuracy)).toEqual([7 / 8, 7 / 8, 1]);
    expect(r.folds.map((f) => f.pairs)).toEqual([4, 4, 4]);
    expect(r.accuracy).toBeCloseTo(0.75, 12);
    expect(r.std).toBeCloseTo(Math.sqrt(0.125 / 3), 12); // population (np.std)
    expect(kFoldVerification(scores, same, folds, { std: 'sample' }).std).toBeCloseTo(0.25, 12);
    expect(r.threshold).toBeCloseTo((0.55 + 0.275 + 0.5) / 3, 12);
  });

  it('evaluates a subset of folds, thresholds still from all the others', () => {
    const r = kFoldVerification(scores, same, folds, { evaluateFolds: [2] });
    expect(r.folds).toHaveLength(1);
    expect(r.accuracy).toBe(0.75);
    expect(r.std).toBe(0);
    expect(r.threshold).toBeCloseTo(0.5, 12);
  });

  it('perfectly separable scores give 1.0 ± 0 (LFW-sized: 10 folds × 600)', () => {
    const rng = new Rng(1);
    const y = Array.from({ length: 6000 }, (_, i) => (i % 600 < 300 ? 1 : 0));
    const s = y.map((v) => (v ? rng.uniform(0.4, 1) : rng.uniform(-1, 0.3)));
    const r = kFoldVerification(s, y, contiguousFolds(6000, 10));
    expect(r.accuracy).toBe(1);
    expect(r.std).toBe(0);
    expect(r.threshold).toBeGreaterThan(0.3);
    expect(r.threshold).toBeLessThan(0.4);
  });

  it('labels unrelated to the scores give about 0.5', () => {
    const rng = new Rng(2);
    const s = Array.from({ length: 6000 }, () => rng.uniform(-1, 1));
    const y = s.map(() => rng.bernoulli(0.5));
    const r = kFoldVerification(s, y, contiguousFolds(6000, 10));
    expect(Math.abs(r.accuracy - 0.5)).toBeLessThan(0.03);
  });

  it('contiguousFolds matches sklearn KFold(shuffle=False) sizes', () => {
    const f = contiguousFolds(23, 4);
    expect([0, 1, 2, 3].map((k) => f.filter((v) => v === k).length)).toEqual([6, 6, 6, 5]);
    expect(Array.from(f.slice(0, 7))).toEqual([0, 0, 0, 0, 0, 0, 1]);
  });
});

describe('splitVerification (View 1)', () => {
  it('chooses the threshold on train and applies it to test', () => {
    const r = splitVerification(
      { scores: scores.slice(0, 8), same: same.slice(0, 8) },
      { scores: scores.slice(8), same: same.slice(8) },
    );
    expect(r).toEqual({ threshold: 0.5, trainAccuracy: 1, accuracy: 0.75 });
  });
});

describe('verification argument errors', () => {
  it('name the function and argument', () => {
    expect(() => kFoldVerification([0.1, 0.2], [1], [0, 1])).toThrow(
      /^kFoldVerification: same must have length 2 \(one per score\), got 1/,
    );
    expect(() => kFoldVerification([0.1, NaN], [1, 0], [0, 1])).toThrow(
      /^kFoldVerification: scores\[1\] must be a finite number, got NaN/,
    );
    expect(() => kFoldVerification([0.1, 0.2], [1, 2], [0, 1])).toThrow(
      /^kFoldVerification: same\[1\] must be a boolean or 0\/1, got 2/,
    );
    expect(() => kFoldVerification([0.1, 0.2], [1, 0], [0, 0.5])).toThrow(
      /^kFoldVerification: folds\[1\] must be an integer >= 0, got 0\.5/,
    );
    expect(() => kFoldVerification([0.1, 0.2], [1, 0], [0, 0])).toThrow(
      /^kFoldVerification: folds must hold at least 2 distinct fold ids, got 1/,
    );
    expect(() => kFoldVerification([0.1, 0.2], [1, 0], [0, 1], { evaluateFolds: [3] })).toThrow(
      /^kFoldVerification: options\.evaluateFolds has fold 3/,
    );
    expect(() => kFoldVerification([0.1, 0.2], [1, 0], [0, 1], { std: 'biased' as never })).toThrow(
      /^kFoldVerification: options\.std/,
    );
    expect(() => kFoldVerification([0.1, 0.2], [1, 0], [0, 1], { thresholds: [] })).toThrow(
      /^kFoldVerification: options\.thresholds must be 'midpoints' or a non-empty array/,
    );
    expect(() => bestThreshold([], [])).toThrow(/^bestThreshold: scores must not be empty/);
    expect(() =>
      splitVerification({ scores: [0.1], same: [1] }, { scores: [0.2], same: [] }),
    ).toThrow(/^splitVerification: test\.same must have length 1/);
    expect(() => verificationAccuracy([0.1], [1], NaN)).toThrow(
      /^verificationAccuracy: threshold must be a number/,
    );
  });
});
