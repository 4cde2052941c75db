import * as fs from 'fs';
import * as path from 'path';
import { DataError } from '../../src/data/errors';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { finetune } from '../../src/finetune';
import type { Backbone, BackboneOptions } from '../../src/models/backbone';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint';
import { TrainingDivergedError } from '../../src/train/errors';
import { tempDir, tinyBackbone } from '../train/fixtures';
import { registries, synthFolder, tinyFinetuneRecipe, writeSynthPairs } from './fixtures';

let root: string;

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
  root = tempDir('finetune');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const out = (name: string) => ({ output: { dir: path.join(root, name) } });

async function finalState(dir: string) {
  return loadCheckpoint(latestCheckpoint(dir)!);
}

type Values = Record<string, { values: Float32Array }>;

function same(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Names in `names` whose values differ between `a` and `b`. */
function changed(a: Values, b: Values, names: string[]): string[] {
  return names.filter((n) => !same(a[n].values, b[n].values));
}

/** The tiny backbone's initial values (seed 5, as the tiny recipe); disposed before returning. */
async function initialBackbone(): Promise<Values> {
  const backbone = tinyBackbone({ seed: 5 });
  const values: Values = {};
  for (const [name, v] of backbone.params.variables) {
    values[name] = { values: Float32Array.from((await v.data()) as Float32Array) };
  }
  backbone.dispose();
  return values;
}

test('a short fit lowers the arcface loss and holds the tensor count steady', async () => {
  const recipe = tinyFinetuneRecipe(root, { ...out('fit'), train: { steps: 16, logEvery: 4 } });
  const losses: number[] = [];
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  const result = await finetune(recipe, {
    registries,
    onStep: (_, loss) => {
      losses.push(loss);
      counts.push(tf.memory().numTensors);
    },
  });
  expect(result).toMatchObject({ status: 'completed', step: 16, classes: 6, images: 24 });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(losses.slice(-4))).toBeLessThan(0.8 * mean(losses.slice(0, 4)));
  expect(new Set(counts.slice(1)).size).toBe(1); // Adam's slots appear at step 1, then steady
  const ckpt = await finalState(result.outputDir);
  expect(tf.memory().numTensors - before).toBeLessThanOrEqual(Object.keys(ckpt.variables).length);
  expect(Object.keys(ckpt.variables)).toContain('head/weights');
  expect(ckpt.variables['head/weights'].shape).toEqual([16, 6]);
  expect(fs.existsSync(path.join(result.outputDir, 'backbone', 'model.json'))).toBe(true);
  expect(result.evaluation).toBeNull();
});

test('head-only warm-up leaves every backbone variable unchanged, then the backbone trains', async () => {
  const initial = await initialBackbone();
  const names = Object.keys(initial);
  const recipe = tinyFinetuneRecipe(root, { ...out('warmup'), train: { warmupHeadSteps: 3 } });
  await finetune(recipe, { registries, maxSteps: 3 });
  const warm = await finalState(recipe.output.dir);
  expect(changed(initial, warm.variables, names)).toEqual([]); // batch-norm statistics included
  await finetune(recipe, { registries, resume: true });
  const trained = await finalState(recipe.output.dir);
  expect(changed(initial, trained.variables, names).length).toBeGreaterThan(names.length / 2);
  expect(
    same(warm.variables['head/weights'].values, trained.variables['head/weights'].values),
  ).toBe(false);
});

test('backboneLrScale 0 keeps the backbone frozen after the warm-up too; the head trains', async () => {
  const initial = await initialBackbone();
  const recipe = tinyFinetuneRecipe(root, {
    ...out('frozen'),
    train: { steps: 4, warmupHeadSteps: 1, backboneLrScale: 0 },
  });
  const losses: number[] = [];
  await finetune(recipe, { registries, onStep: (_, l) => losses.push(l) });
  const state = await finalState(recipe.output.dir);
  expect(changed(initial, state.variables, Object.keys(initial))).toEqual([]);
  expect(Object.keys(state.optimizer).every((k) => k.startsWith('head/'))).toBe(true);
  expect(losses[3]).toBeLessThan(losses[0]);
});

test('a backbone scale of 0.5 moves the backbone at half the rate (two applies, one optimizer)', async () => {
  const sgd = { name: 'sgd', lr: 0.1, momentum: 0 };
  const run = async (name: string, scale: number) => {
    const recipe = tinyFinetuneRecipe(root, {
      ...out(name),
      optimizer: sgd,
      train: { steps: 1, backboneLrScale: scale },
    });
    await finetune(recipe, { registries });
    return (await finalState(recipe.output.dir)).variables;
  };
  const initial = await initialBackbone();
  const [full, half] = [await run('scale-1', 1), await run('scale-half', 0.5)];
  const kernel = 'stem/conv/kernel';
  const delta = (v: Values) => v[kernel].values.map((x, i) => x - initial[kernel].values[i]);
  const [a, b] = [delta(full), delta(half)];
  const k = a.findIndex((x) => Math.abs(x) > 1e-4);
  expect(b[k] / a[k]).toBeCloseTo(0.5, 3);
  expect(same(full['head/weights'].values, half['head/weights'].values)).toBe(true);
});

test('stopping, SIGINT-style abort and resuming end bitwise equal to a straight run', async () => {
  const overrides = {
    margin: { name: 'cosface', centerLoss: { weight: 0.01, alpha: 0.5 } },
    train: { warmupHeadSteps: 2, backboneLrScale: 0.5 },
  };
  const straight = await finetune(tinyFinetuneRecipe(root, { ...out('straight'), ...overrides }), {
    registries,
  });
  const recipe = tinyFinetuneRecipe(root, { ...out('resumed'), ...overrides });
  expect(await finetune(recipe, { registries, maxSteps: 3 })).toMatchObject({
    status: 'stopped',
    step: 3,
  });
  const abort = new AbortController();
  const second = await finetune(recipe, {
    registries,
    resume: true,
    signal: abort.signal,
    onStep: (step) => step === 4 && abort.abort(),
  });
  expect(second).toMatchObject({ status: 'interrupted', step: 4, startStep: 3 });
  const third = await finetune(recipe, { registries, resume: true });
  expect(third).toMatchObject({ status: 'completed', step: 6, startStep: 4 });
  const [a, b] = [await finalState(straight.outputDir), await finalState(third.outputDir)];
  expect(Object.keys(b.variables)).toContain('center/centers');
  expect(changed(a.variables, b.variables, Object.keys(a.variables))).toEqual([]);
  expect(changed(a.optimizer, b.optimizer, Object.keys(a.optimizer))).toEqual([]);
  expect(b.loader).toEqual(a.loader);
  const changedRecipe = tinyFinetuneRecipe(root, {
    ...out('resumed'),
    ...overrides,
    margin: { name: 'cosface', margin: 0.2 },
  });
  await expect(finetune(changedRecipe, { registries, resume: true })).rejects.toThrow(
    /--resume: the recipe differs .* at margin\.(centerLoss|margin)/,
  );
});

test('a NaN loss stops the run naming the step and keeps the last good checkpoint', async () => {
  const nanAtStep3 = (options: BackboneOptions): Backbone => {
    const backbone = tinyBackbone(options);
    let calls = 0;
    return {
      ...backbone,
      params: backbone.params,
      embeddingSize: backbone.embeddingSize,
      config: backbone.config,
      apply(images, ctx) {
        const e = backbone.apply(images, ctx);
        if (!ctx.training || calls++ !== 3) return e;
        return tf.tidy(() => tf.mul(e, NaN));
      },
      dispose: () => backbone.dispose(),
    };
  };
  const recipe = tinyFinetuneRecipe(root, out('nan'));
  const error = await finetune(recipe, {
    registries: { ...registries, backbones: { ...registries.backbones, tiny: nanAtStep3 } },
  }).catch((e) => e);
  expect(error).toBeInstanceOf(TrainingDivergedError);
  expect(error.message).toMatch(/finetune: the loss is NaN at step 3 .*step-00000002/);
  expect(latestCheckpoint(recipe.output.dir)).toMatch(/step-00000002$/);
});

test.each(['softmax', 'normsoftmax', 'sphereface', 'cosface'])(
  '%s trains (finite, decreasing loss)',
  async (name) => {
    const recipe = tinyFinetuneRecipe(root, {
      ...out(`margin-${name}`),
      margin: { name, scale: name === 'sphereface' ? null : 16, margin: null },
      train: { steps: 6 },
    });
    const losses: number[] = [];
    await finetune(recipe, { registries, onStep: (_, l) => losses.push(l) });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Math.min(...losses.slice(3))).toBeLessThan(losses[0]);
  },
);

/** A fake LFW folder from the synthetic faces: images/<id>/<id>_000k.jpg and a pairs file. */
function fakeLfw(name: string, folds: [string, string][]): string {
  const dir = path.join(root, name);
  for (const person of fs.readdirSync(synthFolder(root)).filter((n) => n.startsWith('id_'))) {
    const from = path.join(synthFolder(root), person);
    fs.mkdirSync(path.join(dir, 'images', person), { recursive: true });
    fs.readdirSync(from)
      .sort()
      .forEach((file, k) => {
        const target = path.join(
          dir,
          'images',
          person,
          `${person}_${String(k + 1).padStart(4, '0')}.jpg`,
        );
        fs.copyFileSync(path.join(from, file), target); // PNG bytes; sharp reads the content
      });
  }
  writeSynthPairs(path.join(dir, 'pairs.txt'), folds);
  return dir;
}

test('LFW folds: trains on the people of the training folds and verifies on the others', async () => {
  const lfw = fakeLfw('lfw-ok', [
    ['id_0000', 'id_0001'],
    ['id_0002', 'id_0003'],
    ['id_0004', 'id_0005'],
  ]);
  const recipe = tinyFinetuneRecipe(root, {
    ...out('lfw-ok'),
    data: { path: lfw, lfwTrainFolds: [1] },
    train: { batch: 4, steps: 2 },
  });
  const result = await finetune(recipe, { registries });
  expect(result).toMatchObject({ classes: 2, images: 8 });
  expect(result.evaluation).toMatchObject({
    foldIds: [2, 3],
    pairs: 4,
    thresholdFolds: 'held-out',
  });
  const written = JSON.parse(fs.readFileSync(path.join(result.outputDir, 'eval-lfw.json'), 'utf8'));
  expect(written.accuracy).toBe(result.evaluation!.accuracy);
});

test('training on a person of an evaluation fold is refused, naming the person', async () => {
  const lfw = fakeLfw('lfw-leak', [
    ['id_0000', 'id_0001'],
    ['id_0002', 'id_0001'], // id_0001 is in fold 1 (training) and fold 2 (evaluation)
  ]);
  const recipe = tinyFinetuneRecipe(root, {
    ...out('lfw-leak'),
    data: { path: lfw, lfwTrainFolds: [1] },
    train: { batch: 4, steps: 2 },
  });
  const error = await finetune(recipe, { registries }).catch((e) => e);
  expect(error).toBeInstanceOf(DataError);
  expect(error.message).toMatch(/'id_0001' \(fold 2\).*leak/);
  // identity folders evaluated on LFW pairs: the same check
  const folders = tinyFinetuneRecipe(root, {
    ...out('folder-leak'),
    eval: { lfwPairs: path.join(lfw, 'pairs.txt') },
  });
  await expect(finetune(folders, { registries })).rejects.toThrow(/'id_0000' \(fold 1\)/);
});
