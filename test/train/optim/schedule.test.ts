import {
  constantLr,
  cosineMomentum,
  LR_SCHEDULES,
  lrAt,
  stepDecayLr,
} from '../../../src/train/optim';

describe('learning-rate schedules', () => {
  const cosine = { baseLr: 1, warmupSteps: 10, totalSteps: 110, finalLr: 0.1 };

  it('lrAt: warm-up from 0 to baseLr, cosine to finalLr, held after totalSteps', () => {
    expect(lrAt(0, cosine)).toBe(0);
    expect(lrAt(5, cosine)).toBeCloseTo(0.5, 12);
    expect(lrAt(9, cosine)).toBeCloseTo(0.9, 12);
    expect(lrAt(10, cosine)).toBe(1);
    expect(lrAt(60, cosine)).toBeCloseTo(0.55, 12); // half-way: (base + final) / 2
    expect(lrAt(35, cosine)).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos(Math.PI / 4))) / 2, 12);
    expect(lrAt(110, cosine)).toBeCloseTo(0.1, 12);
    expect(lrAt(500, cosine)).toBe(0.1);
  });

  it('lrAt: no warm-up starts at baseLr; warmupStartLr; warm-up filling the run', () => {
    expect(lrAt(0, { baseLr: 0.3, totalSteps: 100 })).toBe(0.3);
    expect(lrAt(100, { baseLr: 0.3, totalSteps: 100 })).toBeCloseTo(0, 12);
    expect(lrAt(0, { ...cosine, warmupStartLr: 0.2 })).toBeCloseTo(0.2, 12);
    expect(lrAt(5, { ...cosine, warmupStartLr: 0.2 })).toBeCloseTo(0.6, 12);
    const full = { baseLr: 1, warmupSteps: 10, totalSteps: 10, finalLr: 0.5 };
    expect(lrAt(5, full)).toBeCloseTo(0.5, 12);
    expect(lrAt(10, full)).toBe(0.5);
  });

  it('lrAt: is monotone through the cosine phase', () => {
    let previous = Infinity;
    for (let k = 10; k <= 110; k++) {
      const lr = lrAt(k, cosine);
      expect(lr).toBeLessThanOrEqual(previous);
      previous = lr;
    }
  });

  it('constantLr and stepDecayLr at their boundaries', () => {
    expect(constantLr(0, { baseLr: 0.01 })).toBe(0.01);
    expect(constantLr(1e6, { baseLr: 0.01 })).toBe(0.01);
    expect(constantLr(2, { baseLr: 0.01, warmupSteps: 4 })).toBeCloseTo(0.005, 12);
    const decay = { baseLr: 0.1, milestones: [200, 100], gamma: 0.1 };
    expect(stepDecayLr(0, decay)).toBe(0.1);
    expect(stepDecayLr(99, decay)).toBe(0.1);
    expect(stepDecayLr(100, decay)).toBeCloseTo(0.01, 12);
    expect(stepDecayLr(199, decay)).toBeCloseTo(0.01, 12);
    expect(stepDecayLr(200, decay)).toBeCloseTo(0.001, 12);
    expect(stepDecayLr(5, { ...decay, warmupSteps: 10 })).toBeCloseTo(0.05, 12);
  });

  it('LR_SCHEDULES is a frozen name map', () => {
    expect(Object.isFrozen(LR_SCHEDULES)).toBe(true);
    expect(LR_SCHEDULES.cosine).toBe(lrAt);
    expect(Object.keys(LR_SCHEDULES)).toEqual(['cosine', 'constant', 'step']);
  });

  it('rejects bad arguments, naming the function and argument', () => {
    expect(() => lrAt(-1, cosine)).toThrow(/lrAt: step must be a finite number >= 0, got -1/);
    expect(() => lrAt(0, { ...cosine, baseLr: -0.1 })).toThrow(
      /lrAt: options\.baseLr must be .* got -0\.1/,
    );
    expect(() => lrAt(0, { ...cosine, warmupSteps: 200 })).toThrow(
      /lrAt: options\.warmupSteps must be <= options\.totalSteps \(110\), got 200/,
    );
    expect(() => lrAt(0, { ...cosine, totalSteps: 0 })).toThrow(
      /lrAt: options\.totalSteps must be .* got 0/,
    );
    expect(() => lrAt(0, { ...cosine, warmupSteps: 2.5 })).toThrow(
      /lrAt: options\.warmupSteps must be an integer >= 0, got 2\.5/,
    );
    expect(() => stepDecayLr(0, { baseLr: 1, milestones: [10, -1] })).toThrow(
      /stepDecayLr: options\.milestones\[1\] must be an integer >= 0, got -1/,
    );
    expect(() => constantLr(0, { baseLr: NaN })).toThrow(/constantLr: options\.baseLr .* got NaN/);
  });
});

describe('cosineMomentum (BYOL τ schedule)', () => {
  const options = { baseTau: 0.996, totalSteps: 1000 };

  it('starts at τ_base, reaches 1 at K, follows 1 − (1 − τ_base)(cos(πk/K) + 1)/2', () => {
    expect(cosineMomentum(0, options)).toBeCloseTo(0.996, 12);
    expect(cosineMomentum(500, options)).toBeCloseTo(0.998, 12);
    expect(cosineMomentum(250, options)).toBeCloseTo(
      1 - (0.004 * (Math.cos(Math.PI / 4) + 1)) / 2,
      12,
    );
    expect(cosineMomentum(1000, options)).toBe(1);
    expect(cosineMomentum(5000, options)).toBe(1);
  });

  it('rejects bad arguments', () => {
    expect(() => cosineMomentum(-1, options)).toThrow(/cosineMomentum: step must be .* got -1/);
    expect(() => cosineMomentum(0, { ...options, baseTau: 1.2 })).toThrow(
      /cosineMomentum: options\.baseTau must be in \[0, 1\], got 1\.2/,
    );
    expect(() => cosineMomentum(0, { ...options, totalSteps: 0 })).toThrow(
      /cosineMomentum: options\.totalSteps .* got 0/,
    );
  });
});
