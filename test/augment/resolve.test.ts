import {
  AUGMENT_PRESETS,
  AUGMENT_PRESET_NAMES,
  IMAGENET_NORMALIZE,
} from '../../src/augment/presets';
import {
  resolveAugmentConfig,
  validateAugmentConfig,
  AugmentConfigError,
  type AugmentOverrides,
} from '../../src/augment/resolve';
import type { AugmentPresetName } from '../../src/augment/presets';

describe('presets and resolveAugmentConfig', () => {
  it('every preset validates and is frozen', () => {
    expect(AUGMENT_PRESET_NAMES).toEqual(['simclr', 'moco', 'byol', 'simsiam', 'swav', 'face']);
    for (const name of AUGMENT_PRESET_NAMES)
      expect(() => validateAugmentConfig(AUGMENT_PRESETS[name])).not.toThrow();
    expect(Object.isFrozen(AUGMENT_PRESETS.simclr.views[0].crop.scale)).toBe(true);
  });

  it('deep-merges overrides: objects by key, views by index, number arrays whole, null replaces', () => {
    const config = resolveAugmentConfig('swav', {
      views: [{ size: 64, colorJitter: { hue: 0 } }, { crop: { scale: [0.1, 0.3] } }],
    });
    expect(config.views[0].size).toBe(64);
    expect(config.views[0].colorJitter).toMatchObject({
      hue: 0,
      brightness: 0.8,
      probability: 0.8,
    });
    expect(config.views[1].crop).toEqual({ scale: [0.1, 0.3], ratio: [3 / 4, 4 / 3] });
    expect(config.views[1].size).toBe(48);
    const plain = resolveAugmentConfig('simclr', { views: [{ normalize: null }] });
    expect(plain.views[0].normalize).toBeNull();
    const stats = resolveAugmentConfig('face', {
      views: [{ normalize: { mean: [...IMAGENET_NORMALIZE.mean] } }],
    });
    expect(stats.views[0].normalize).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.5, 0.5, 0.5] });
  });

  it('returns a fresh copy; the preset is untouched', () => {
    const config = resolveAugmentConfig('simclr');
    config.views[0].size = 8;
    expect(AUGMENT_PRESETS.simclr.views[0].size).toBe(112);
  });

  it('names the path and the value of every invalid field', () => {
    const bad = (overrides: AugmentOverrides) => () => resolveAugmentConfig('simclr', overrides);
    expect(bad({ views: [{ colorJitter: { probability: 1.5 } }] })).toThrow(
      /resolveAugmentConfig: augment\.views\.0\.colorJitter\.probability must be in \[0, 1\], got 1\.5/,
    );
    expect(bad({ views: [{ crop: { scale: [0.9, 0.2] } }] })).toThrow(
      /augment\.views\.0\.crop\.scale must have low <= high, got \[0\.9,0\.2\]/,
    );
    expect(bad({ views: [{ blur: { kernelSize: 4 } }] })).toThrow(
      /augment\.views\.0\.blur\.kernelSize must be odd, got 4/,
    );
    expect(bad({ views: [{ size: 0 }] })).toThrow(/augment\.views\.0\.size must be >= 2, got 0/);
    expect(bad({ views: [{ normalize: { std: [1, 0, 1] } }] })).toThrow(
      /augment\.views\.0\.normalize\.std\.1 must be > 0, got 0/,
    );
    expect(bad({ views: [{ colorJitter: { hue: 0.7 } }] })).toThrow(AugmentConfigError);
    expect(bad({ views: [{ blurr: 1 } as never] })).toThrow(
      /augment\.views\.0 has unknown key\(s\) 'blurr'/,
    );
    expect(bad({ views: [] })).toThrow(/augment\.views must list at least one view, got \[\]/);
  });

  it('rejects unknown presets and non-object overrides', () => {
    expect(() => resolveAugmentConfig('dino' as AugmentPresetName)).toThrow(
      /resolveAugmentConfig: preset must be one of simclr \| moco \| byol \| simsiam \| swav \| face, got 'dino'/,
    );
    expect(() => resolveAugmentConfig('face', 3 as never)).toThrow(
      /resolveAugmentConfig: overrides must be an object, got 3/,
    );
  });
});
