import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import {
  FRAMEWORKS,
  FRAMEWORK_NAMES,
  FrameworkName,
  FrameworkOptionsError,
  createFramework,
} from '../../src/frameworks';
import { disposeLater, tinyBackbone } from './fit';

beforeAll(async () => {
  await initBackend('wasm');
});

const context = () => ({ backbone: disposeLater(tinyBackbone(0)), seed: 0 });

describe('FRAMEWORKS', () => {
  it('is a frozen map of the six frameworks', () => {
    expect(Object.isFrozen(FRAMEWORKS)).toBe(true);
    expect(FRAMEWORK_NAMES).toEqual(['simclr', 'supcon', 'moco', 'byol', 'simsiam', 'swav']);
  });

  it.each(FRAMEWORK_NAMES)(
    '%s: builds with default options and disposes every variable',
    (name) => {
      const before = tf.memory().numTensors;
      const fw = createFramework(name as FrameworkName, {}, context());
      expect(fw.name).toBe(name);
      const all = fw.allVariables();
      for (const [key, v] of Object.entries(fw.trainableVariables())) {
        expect(v.name).toBe(key);
        expect(all[key]).toBe(v);
      }
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      fw.dispose();
      expect(Object.values(all).every((v) => v.isDisposed)).toBe(true);
    },
  );

  it('fills in defaults in one place: the schema', () => {
    const moco = FRAMEWORKS.moco.optionsSchema.parse({});
    expect(moco).toMatchObject({
      version: 2,
      temperature: 0.2,
      momentum: { base: 0.99, schedule: 'cosine' },
    });
    expect(FRAMEWORKS.byol.optionsSchema.parse({}).momentum.base).toBe(0.99);
    expect(
      FRAMEWORKS.simclr.optionsSchema.parse({ projector: { outFeatures: 64 } }).projector,
    ).toEqual({
      hiddenFeatures: 512,
      outFeatures: 64,
      layers: 2,
      batchNorm: true,
    });
    expect(FRAMEWORKS.swav.optionsSchema.parse({})).toMatchObject({
      temperature: 0.1,
      sinkhorn: { epsilon: 0.05, iterations: 3 },
      freezePrototypesSteps: 313,
    });
  });

  it.each<[FrameworkName, unknown, RegExp]>([
    ['simclr', { temperature: 0 }, /^simclr\.temperature must be > 0, got 0$/],
    [
      'simclr',
      { loss: 'ntxent' },
      /^simclr\.loss must be 'info_nce' \| 'dcl' \| 'dclw', got "ntxent"$/,
    ],
    ['supcon', { projector: { layers: 0 } }, /^supcon\.projector\.layers must be >= 1, got 0$/],
    ['moco', { version: 4 }, /^moco\.version must be 2 \| 3, got 4$/],
    ['moco', { queueSize: 1.5 }, /^moco\.queueSize must be an integer, got 1.5$/],
    ['moco', { momentum: { base: 1.2 } }, /^moco\.momentum\.base must be in \[0, 1\], got 1.2$/],
    [
      'byol',
      { momentum: { schedule: 'linear' } },
      /^byol\.momentum\.schedule must be 'cosine' \| 'constant', got "linear"$/,
    ],
    [
      'simsiam',
      { predictor: { batchNorm: 'yes' } },
      /^simsiam\.predictor\.batchNorm must be a boolean, got "yes"$/,
    ],
    ['swav', { sinkhorn: { epsilon: -1 } }, /^swav\.sinkhorn\.epsilon must be > 0, got -1$/],
    [
      'swav',
      { queueSize: -1, prototypes: 0 },
      /^swav\.prototypes must be >= 1, got 0; swav\.queueSize must be >= 0, got -1$|^swav\.queueSize must be >= 0, got -1; swav\.prototypes must be >= 1, got 0$/,
    ],
    ['swav', { queue: 10 }, /^swav has unknown key\(s\) 'queue'$/],
  ])('%s rejects %j naming the path and value', (name, options, message) => {
    const backbone = tinyBackbone(0);
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      createFramework(name, options, { backbone, seed: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameworkOptionsError);
    expect((error as Error).message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before); // validated before anything is built
    backbone.dispose();
  });

  it('names unknown frameworks', () => {
    expect(() =>
      createFramework('dino', {}, { backbone: disposeLater(tinyBackbone(0)), seed: 0 }),
    ).toThrow(
      /createFramework: unknown framework 'dino', expected one of simclr \| supcon \| moco \| byol \| simsiam \| swav/,
    );
  });
});
