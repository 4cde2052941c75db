import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { resolveRecipe } from '../../src/recipes';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint';
import { PretrainSetupError, TrainingDivergedError } from '../../src/train/errors';
import { acquireRunLock } from '../../src/train/run_lock';
import { resumeConflicts } from '../../src/train/run_state';
import { pretrain } from '../../src/train/trainer';
import { STUB_REGISTRIES, TinySimClr, tempDir, tinyRecipe } from './fixtures';

let root: string;
const registries = STUB_REGISTRIES;

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
  root = tempDir('trainer');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const out = (name: string) => ({ output: { dir: path.join(root, name) } });

async function finalState(dir: string) {
  return loadCheckpoint(latestCheckpoint(dir)!);
}

function expectBitwiseEqual(a: Record<string, { values: Float32Array }>, b: typeof a) {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) {
    const x = Buffer.from(
      a[name].values.buffer,
      a[name].values.byteOffset,
      a[name].values.byteLength,
    );
    const y = Buffer.from(
      b[name].values.buffer,
      b[name].values.byteOffset,
      b[name].values.byteLength,
    );
    if (!x.equals(y)) throw new Error(`'${name}' differs`);
  }
}

test('a run writes metrics, checkpoints, recipe.json and the backbone, and leaks no tensor', async () => {
  const recipe = tinyRecipe(root, out('basic'));
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const result = await pretrain(recipe, {
    registries,
    onStep: () => counts.push(tf.memory().numTensors),
  });
  // Adam creates its slots at step 1; from then on the count is steady.
  expect(new Set(counts.slice(1)).size).toBe(1);
  expect(result).toMatchObject({ status: 'completed', step: 6, totalSteps: 6, startStep: 0 });
  const dir = result.outputDir;
  const ckpt = await finalState(dir);
  // Everything is freed, except that ParamStore.create (src/models) keeps each variable's
  // initial tensor alive: at most one stray tensor per variable, none per step.
  expect(tf.memory().numTensors - before).toBeLessThanOrEqual(Object.keys(ckpt.variables).length);
  const lines = fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.step)).toEqual([2, 4, 6]);
  for (const l of lines) {
    expect(Object.keys(l).sort()).toEqual([
      'elapsed',
      'embeddingStd',
      'imagesPerSecond',
      'loss',
      'lr',
      'step',
    ]);
    expect(Number.isFinite(l.loss) && l.embeddingStd > 0).toBe(true);
  }
  expect(lines[0].lr).toBeCloseTo(0.005, 10); // the line of step 2 shows the lr of step index 1: warm-up 0.01·1/2
  expect(lines[1].lr).toBeCloseTo(0.005 * (1 + Math.cos(Math.PI / 4)), 10); // cosine at index 3: (3-2)/(6-2)
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'recipe.json'), 'utf8'))).toEqual(
    JSON.parse(JSON.stringify(recipe)),
  );
  expect(fs.readFileSync(path.join(dir, 'checkpoints', 'latest'), 'utf8').trim()).toBe(
    'step-00000006',
  );
  expect(
    fs
      .readdirSync(path.join(dir, 'checkpoints'))
      .filter((n) => n.startsWith('step-'))
      .sort(),
  ).toEqual(['step-00000004', 'step-00000006']);
  expect(fs.existsSync(path.join(dir, 'backbone', 'model.json'))).toBe(true);
  expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
  expect(ckpt.step).toBe(6);
  expect(Object.keys(ckpt.optimizer).length).toBeGreaterThan(0);
  expect(ckpt.recipe).toEqual(JSON.parse(JSON.stringify(recipe)));
});

test('stopping (max steps, then SIGINT-style abort) and resuming ends bitwise equal to a straight run', async () => {
  const straight = await pretrain(tinyRecipe(root, out('straight')), { registries });
  const recipe = tinyRecipe(root, out('resumed'));
  const first = await pretrain(recipe, { registries, maxSteps: 3 });
  expect(first).toMatchObject({ status: 'stopped', step: 3 });
  const abort = new AbortController();
  const second = await pretrain(recipe, {
    registries,
    resume: true,
    signal: abort.signal,
    onStep: (step) => step === 4 && abort.abort(),
  });
  expect(second).toMatchObject({ status: 'interrupted', step: 4, startStep: 3 });
  const third = await pretrain(recipe, { registries, resume: true });
  expect(third).toMatchObject({ status: 'completed', step: 6, startStep: 4 });
  const a = await finalState(straight.outputDir);
  const b = await finalState(third.outputDir);
  expectBitwiseEqual(a.variables, b.variables);
  expectBitwiseEqual(a.optimizer, b.optimizer);
  expect(b.loader).toEqual(a.loader);
  const steps = (dir: string) =>
    fs
      .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
  expect(steps(third.outputDir)).toEqual([2, 3, 4, 6]); // 3 and 4: the sessions' last steps
});

test('resume refuses a changed recipe but accepts a longer run', async () => {
  const recipe = tinyRecipe(root, out('changed'));
  await pretrain(recipe, { registries, maxSteps: 2 });
  const changed = tinyRecipe(root, { ...out('changed'), optimizer: { name: 'adam', lr: 0.02 } });
  await expect(pretrain(changed, { registries, resume: true })).rejects.toThrow(
    /--resume: the recipe differs .* at optimizer\.lr: 0\.01 → 0\.02/,
  );
  await expect(pretrain(recipe, { registries })).rejects.toThrow(
    /already holds a run .* pass --resume/,
  );
  const longer = tinyRecipe(root, { ...out('changed'), train: { steps: 3 } });
  expect(resumeConflicts(recipe, longer)).toEqual([]);
  expect((await pretrain(longer, { registries, resume: true })).step).toBe(3);
  await expect(
    pretrain(tinyRecipe(root, out('nothing')), { registries, resume: true }),
  ).rejects.toThrow(/--resume: no checkpoint/);
});

test('a second run on the same folder refuses; a stale lock is taken over', async () => {
  const recipe = tinyRecipe(root, out('locked'));
  const { lock } = acquireRunLock(recipe.output.dir);
  try {
    await expect(pretrain(recipe, { registries })).rejects.toThrow(PretrainSetupError);
    await expect(pretrain(recipe, { registries })).rejects.toThrow(
      /in use by another run \(pid \d+/,
    );
  } finally {
    lock.release();
  }
  fs.writeFileSync(
    path.join(recipe.output.dir, '.lock'),
    JSON.stringify({ pid: 2 ** 22 + 12345, host: require('os').hostname(), startedAt: 'then' }),
  );
  const { lock: again, staleNote } = acquireRunLock(recipe.output.dir);
  expect(staleNote).toMatch(/stale lock/);
  again.release();
});

test('a NaN loss stops the run naming the step and keeps the last good checkpoint', async () => {
  class NanAtStep3 extends TinySimClr {
    override loss(views: tf.Tensor4D[], ctx: { step: number; totalSteps: number }): tf.Scalar {
      const loss = super.loss(views, ctx);
      if (ctx.step !== 3) return loss;
      return tf.tidy(() => tf.mul(loss, NaN));
    }
  }
  const nanRegistries = {
    ...registries,
    frameworks: {
      ...registries.frameworks,
      tiny: {
        ...registries.frameworks.tiny,
        create: (o: { temperature: number }, d: { backbone: never; seed: number }) =>
          new NanAtStep3(d.backbone, d.seed, o.temperature),
      },
    },
  } as typeof registries;
  const recipe = tinyRecipe(root, out('nan'));
  const error = await pretrain(recipe, { registries: nanRegistries }).catch((e) => e);
  expect(error).toBeInstanceOf(TrainingDivergedError);
  expect(error.message).toMatch(/loss is NaN at step 3 .*last good checkpoint is .*step-00000002/);
  expect(latestCheckpoint(recipe.output.dir)).toMatch(/step-00000002$/);
});

test('train.knn adds a kNN accuracy to the metrics', async () => {
  const recipe = tinyRecipe(root, {
    ...out('knn'),
    train: {
      steps: 2,
      knn: { path: path.join(root, 'cache', 'synth-faces-8x4-16px'), every: 2, k: 3 },
    },
  });
  const result = await pretrain(recipe, { registries });
  expect(result.knnAccuracy).toBeGreaterThanOrEqual(0);
  expect(result.knnAccuracy).toBeLessThanOrEqual(1);
  const last = fs
    .readFileSync(path.join(result.outputDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .pop()!;
  expect(JSON.parse(last).knnAccuracy).toBe(result.knnAccuracy);
});

test('epochs set the run length from the data; gradCacheChunk runs with the hooks, fails without', async () => {
  const recipe = tinyRecipe(root, { ...out('epochs'), train: { steps: null, epochs: 1 } });
  expect((await pretrain(recipe, { registries })).totalSteps).toBe(4); // 32 images / batch 8
  const chunked = tinyRecipe(root, {
    ...out('chunked'),
    train: { steps: 2, gradCacheChunk: 4, clipNorm: 1 },
  });
  expect(await pretrain(chunked, { registries })).toMatchObject({ status: 'completed', step: 2 });
  const simclr = resolveRecipe(
    {
      ...JSON.parse(JSON.stringify(tinyRecipe(root, out('gc')))),
      framework: { name: 'byol' },
      schedule: { warmupSteps: 0 },
      train: { batch: 8, steps: 1, gradCacheChunk: 4 },
    },
    'recipe',
    { registries },
  );
  await expect(pretrain(simclr, { registries })).rejects.toThrow(
    /train\.gradCacheChunk needs a framework with the GradCache hooks.*'byol'/,
  );
});
