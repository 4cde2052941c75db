// LFW verification and the identity probes on a tiny synthetic LFW in os.tmpdir(): the API with
// the pixels, random and perfect (oracle) embedders, then `faceclr eval lfw` / `faceclr probe`
// driven in-process through `main`.
import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../../src/cli/errors';
import { runWasm } from '../helpers/cli';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { randomEmbedder } from '../../src/eval/embedder';
import { EvalInputError } from '../../src/eval/errors';
import { evaluateLfw } from '../../src/eval/lfw';
import { PixelsEmbedder } from '../../src/eval/pixels_embedder';
import { evaluateProbe, splitPerIdentity } from '../../src/eval/probe';
import { makeTempDir, removeTempDir } from '../data/fixtures';
import { IMAGES_PER_PERSON, OracleEmbedder, PEOPLE, writeSynthLfw } from './lfw_fixtures';

let tmp: string;
let lfw: string;
let cacheDir: string;

const run = runWasm;

beforeAll(async () => {
  await initBackend('wasm');
  tmp = makeTempDir('eval-lfw');
  lfw = path.join(tmp, 'lfw');
  cacheDir = path.join(tmp, 'cache');
  await writeSynthLfw(lfw);
});

afterAll(() => removeTempDir(tmp));

const pairsFile = () => path.join(lfw, 'pairs.txt');

describe('evaluateLfw', () => {
  it('reports the protocol fields in range for the pixels baseline (no flip)', async () => {
    const r = await evaluateLfw({
      embedder: new PixelsEmbedder(),
      pairsFile: pairsFile(),
      cacheDir,
    });
    expect(r).toMatchObject({
      protocol: '10-fold',
      model: 'pixels@96',
      foldIds: [1, 2],
      pairs: 12,
      flip: false,
    });
    expect(r.images).toBe(
      new Set(
        fs
          .readFileSync(pairsFile(), 'utf8')
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .flatMap((l) => {
            const f = l.split('\t');
            return f.length === 3
              ? [`${f[0]}${f[1]}`, `${f[0]}${f[2]}`]
              : [`${f[0]}${f[1]}`, `${f[2]}${f[3]}`];
          }),
      ).size,
    );
    expect(r.folds).toHaveLength(2);
    for (const v of [
      r.accuracy,
      ...r.folds,
      r.auc,
      r.eer,
      r.tarAtFar['1e-2'],
      r.tarAtFar['1e-3'],
    ]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.accuracy).toBeCloseTo((r.folds[0] + r.folds[1]) / 2, 12);
    expect(r.std).toBeCloseTo(Math.abs(r.folds[0] - r.folds[1]) / 2, 12);
    expect(r.threshold).toBeGreaterThanOrEqual(-1);
    expect(r.threshold).toBeLessThanOrEqual(1);
    expect(r.imagesPerSecond).toBeGreaterThan(0);
    expect(r.seconds).toBeGreaterThanOrEqual(r.embedSeconds);
  });

  it('embeds with a random backbone, flip-summed, without leaking tensors', async () => {
    const embedder = randomEmbedder({ seed: 1, inputSize: 32 });
    const before = tf.memory().numTensors;
    const r = await evaluateLfw({
      embedder,
      pairsFile: pairsFile(),
      cacheDir,
      folds: [2],
      batchSize: 5,
    });
    expect(tf.memory().numTensors).toBe(before);
    embedder.dispose();
    expect(r).toMatchObject({ flip: true, inputSize: 32, foldIds: [2], pairs: 6 });
    expect(r.folds).toHaveLength(1);
    expect(r.accuracy).toBe(r.folds[0]);
    expect(r.std).toBe(0);
  });

  it('gives accuracy 1, AUC 1, EER 0 and TAR 1 for the perfect embedder', async () => {
    const r = await evaluateLfw({
      embedder: new OracleEmbedder(),
      pairsFile: pairsFile(),
      cacheDir,
    });
    expect(r).toMatchObject({ accuracy: 1, std: 0, folds: [1, 1], auc: 1, eer: 0 });
    expect(r.tarAtFar).toEqual({ '1e-2': 1, '1e-3': 1 });
  });

  it('runs View 1: threshold from the dev-train pairs, accuracy on dev-test', async () => {
    const r = await evaluateLfw({
      embedder: new OracleEmbedder(),
      pairsFile: path.join(lfw, 'pairsDevTest.txt'),
      trainPairsFile: path.join(lfw, 'pairsDevTrain.txt'),
      cacheDir,
    });
    expect(r).toMatchObject({ protocol: 'split', accuracy: 1, foldIds: [], pairs: 4, images: 14 });
  });

  it('refuses folds out of range and a one-fold file without train pairs', async () => {
    const embedder = new OracleEmbedder();
    await expect(
      evaluateLfw({ embedder, pairsFile: pairsFile(), folds: [3], cacheDir }),
    ).rejects.toThrow(/evaluateLfw: folds must be integers in 1\.\.2 .*got 3/);
    await expect(
      evaluateLfw({ embedder, pairsFile: path.join(lfw, 'pairsDevTest.txt'), cacheDir }),
    ).rejects.toThrow(EvalInputError);
  });
});

describe('evaluateProbe', () => {
  it('splits each person seeded, at least one image on each side', () => {
    const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3];
    const a = splitPerIdentity(labels, 0.5, 7);
    expect(splitPerIdentity(labels, 0.5, 7)).toEqual(a);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]); // 9: alone
    for (const person of [0, 1, 2]) {
      expect(a.train.some((i) => labels[i] === person)).toBe(true);
      expect(a.test.some((i) => labels[i] === person)).toBe(true);
    }
  });

  it('scores 1 everywhere with the perfect embedder', async () => {
    const r = await evaluateProbe({
      embedder: new OracleEmbedder(),
      root: path.join(lfw, 'images'),
      minImages: 4,
      cacheDir,
    });
    expect(r).toMatchObject({
      identities: PEOPLE,
      images: PEOPLE * IMAGES_PER_PERSON,
      trainImages: 16,
      testImages: 16,
    });
    expect(r).toMatchObject({ knnTop1: 1, linearTop1: 1, rank1: 1, rank5: 1 });
  });
});

describe('faceclr eval lfw / faceclr probe', () => {
  it('prints the JSON fields with --json', async () => {
    const r = await run(
      'eval',
      'lfw',
      '--model',
      'pixels',
      '--data',
      lfw,
      '--cache-dir',
      cacheDir,
      '--json',
    );
    expect(r.code).toBe(EXIT.ok);
    const json = JSON.parse(r.stdout);
    for (const key of [
      'accuracy',
      'std',
      'folds',
      'threshold',
      'auc',
      'eer',
      'tarAtFar',
      'pairs',
      'images',
      'seconds',
    ]) {
      expect(json).toHaveProperty(key);
    }
    expect(Object.keys(json.tarAtFar)).toEqual(['1e-2', '1e-3']);
    expect(json).toMatchObject({ backend: tf.getBackend(), threads: expect.any(Number) });
  });

  it('prints a table and progress otherwise; View 1 files resolve inside --data', async () => {
    const r = await run(
      'eval',
      'lfw',
      '--model',
      'random',
      '--input-size',
      '32',
      '--data',
      lfw,
      '--cache-dir',
      cacheDir,
      '--pairs',
      'pairsDevTest.txt',
      '--train-pairs',
      'pairsDevTrain.txt',
      '--no-flip',
    );
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/accuracy\s+\d+\.\d+% ± 0\.00%/);
    expect(r.stdout).toMatch(/split \(threshold from --train-pairs\), no flip/);
    expect(r.stderr).toMatch(/img\/s/);
  });

  it('times embedding a whole folder (eval embed)', async () => {
    const r = await run(
      'eval',
      'embed',
      '--model',
      'random',
      '--input-size',
      '32',
      '--data',
      path.join(lfw, 'images'),
      '--cache-dir',
      cacheDir,
      '--json',
    );
    expect(r.code).toBe(EXIT.ok);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      images: PEOPLE * IMAGES_PER_PERSON,
      dim: 128,
      flip: true,
      inputSize: 32,
      backend: 'wasm',
    });
    expect(json.imagesPerSecond).toBeGreaterThan(0);
  });

  it('runs the probes from the CLI', async () => {
    const r = await run(
      'probe',
      '--model',
      'pixels',
      '--data',
      path.join(lfw, 'images'),
      '--min-images',
      '4',
      '--cache-dir',
      cacheDir,
      '--json',
    );
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout)).toMatchObject({
      backend: tf.getBackend(),
      threads: expect.any(Number),
      identities: PEOPLE,
      images: 32,
    });
  });

  it.each([
    [['--model', 'pixels', '--folds', '0-11'], /--folds .*got '0-11'/],
    [['--model', 'pixels', '--folds', '1-3'], /--folds must name folds in 1-2 .*got '1-3'/],
    [['--model', 'pixels', '--folds', 'x'], /got 'x'/],
    [['--model', 'pixels', '--pairs', 'nope.txt'], /--pairs 'nope.txt' does not exist/],
    [['--model', '/nonexistent/run'], /model '\/nonexistent\/run' does not exist/],
    [['--model', 'random', '--backbone', 'vgg'], /--backbone must be one of .* got 'vgg'/],
    [
      ['--model', 'pixels', '--folds', '1', '--train-pairs', 'pairsDevTrain.txt'],
      /--folds applies to the 10-fold/,
    ],
  ])('exits 2 naming the value for %j', async (extra, message) => {
    const r = await run('eval', 'lfw', '--data', lfw, '--cache-dir', cacheDir, ...extra);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 for a missing --data folder and a malformed pairs file', async () => {
    const missing = await run('eval', 'lfw', '--model', 'pixels', '--data', path.join(tmp, 'nope'));
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toMatch(/--data '.*nope' does not exist/);
    const bad = path.join(tmp, 'bad-pairs.txt');
    fs.writeFileSync(bad, '2\t3\nPerson_A\t1\n');
    const malformed = await run('eval', 'lfw', '--model', 'pixels', '--data', lfw, '--pairs', bad);
    expect(malformed.code).toBe(EXIT.usage);
    expect(malformed.stderr).toMatch(/bad-pairs\.txt/);
    const probe = await run(
      'probe',
      '--model',
      'pixels',
      '--data',
      path.join(lfw, 'images'),
      '--min-images',
      '1',
    );
    expect(probe.code).toBe(EXIT.usage);
  });
});
