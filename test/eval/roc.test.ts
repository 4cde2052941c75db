import { roc } from '../../src/eval/roc';
import { Rng } from '../../src/util/random';

// Genuine 0.9 0.8 0.6 0.4; impostor 0.7 0.5 0.3 0.1.
const scores = [0.9, 0.8, 0.6, 0.4, 0.7, 0.5, 0.3, 0.1];
const same = [1, 1, 1, 1, 0, 0, 0, 0];

describe('roc', () => {
  it('gives the hand-computed curve, AUC = 13/16 and EER = 0.25', () => {
    const r = roc(scores, same);
    expect(r.points.map((p) => [p.far, p.tar])).toEqual([
      [0, 0],
      [0, 0.25],
      [0, 0.5],
      [0.25, 0.5],
      [0.25, 0.75],
      [0.5, 0.75],
      [0.5, 1],
      [0.75, 1],
      [1, 1],
    ]);
    expect(r.points.map((p) => p.threshold)).toEqual([
      Infinity,
      0.9,
      0.8,
      0.7,
      0.6,
      0.5,
      0.4,
      0.3,
      0.1,
    ]);
    expect(r.auc).toBeCloseTo(13 / 16, 12); // P(genuine > impostor): 4 + 4 + 3 + 2 of 16
    expect(r.eer).toBeCloseTo(0.25, 12);
    expect(r.eerThreshold).toBe(0.6);
  });

  it('TAR at FAR: step rule (largest threshold with FAR ≤ target) and interpolation', () => {
    const step = roc(scores, same, { farTargets: [1e-2, 0.3, 0.5] }).tarAtFar;
    expect(step).toEqual([
      { far: 1e-2, tar: 0.5, threshold: 0.8 },
      { far: 0.3, tar: 0.75, threshold: 0.6 },
      { far: 0.5, tar: 1, threshold: 0.4 },
    ]);
    const interpolated = roc(scores, same, {
      farTargets: [0.125, 0.5, 0.625],
      interpolate: true,
    }).tarAtFar;
    expect(interpolated.map((t) => t.tar)).toEqual([0.5, 1, 1].map((v) => expect.closeTo(v, 12)));
    const defaults = roc(scores, same).tarAtFar;
    expect(defaults.map((t) => t.far)).toEqual([1e-2, 1e-3]);
  });

  it('interpolates the EER between ROC points', () => {
    // (0,0) (0,.5) (.5,.5) (.5,1) (1,1): FAR − FRR goes −.5 → 0 at (.5,.5).
    expect(roc([0.9, 0.6, 0.7, 0.1], [1, 1, 0, 0]).eer).toBeCloseTo(0.5, 12);
    // (0,0) (0,⅓) (½,⅓) (½,⅔) (½,1) (1,1): the crossing is on the vertical run at FAR ½ (FRR ⅔ → ⅓).
    const r = roc([0.9, 0.5, 0.4, 0.7, 0.1], [1, 1, 1, 0, 0]);
    expect(r.eer).toBeCloseTo(0.5, 12);
  });

  it('separable scores: AUC 1, EER 0; identical scores: AUC ½', () => {
    const perfect = roc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]);
    expect(perfect.auc).toBe(1);
    expect(perfect.eer).toBe(0);
    expect(roc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]).auc).toBeCloseTo(0.5, 12);
    expect(roc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]).points).toHaveLength(2);
  });

  it('AUC equals the Mann-Whitney statistic with ties counted ½ (random, rounded scores)', () => {
    const rng = new Rng(4);
    const y = Array.from({ length: 400 }, () => rng.bernoulli(0.4));
    const s = y.map((v) => Math.round((v ? 0.3 : 0) + rng.normal(0, 0.5) * 10) / 10);
    let wins = 0;
    let pairs = 0;
    s.forEach((a, i) =>
      s.forEach((b, j) => {
        if (!y[i] || y[j]) return;
        pairs++;
        wins += a > b ? 1 : a === b ? 0.5 : 0;
      }),
    );
    expect(roc(s, y).auc).toBeCloseTo(wins / pairs, 10);
  });

  it('argument errors name roc and the argument', () => {
    expect(() => roc([0.1, 0.2], [1, 1])).toThrow(
      /^roc: same must hold both genuine and impostor pairs, got 2 and 0/,
    );
    expect(() => roc([0.1, 0.2], [1])).toThrow(/^roc: same must have length 2/);
    expect(() => roc([0.1, Infinity], [1, 0])).toThrow(/^roc: scores\[1\] must be a finite number/);
    expect(() => roc([0.1, 0.2], [1, 0], { farTargets: [0] })).toThrow(
      /^roc: options\.farTargets\[0\] must be in \(0, 1\], got 0/,
    );
  });
});
