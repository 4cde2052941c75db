import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runWasmOneThread } from '../helpers/cli';
import { tf } from '../../src/engine/tf';
import { parseFolds } from '../../src/cli/commands/finetune';
import { checkRecipes, loadFinetuneRecipe } from '../../src/recipes';

const repo = path.join(__dirname, '../..');
let dir: string;
let recipeFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-finetune-cli-'));
  recipeFile = path.join(dir, 'tiny.json');
  fs.writeFileSync(
    recipeFile,
    JSON.stringify({
      extends: path.join(repo, 'recipes/finetune/arcface-cpu.json'),
      data: {
        path: 'synth',
        lfwTrainFolds: null,
        size: 16,
        cacheDir: path.join(dir, 'cache'),
        synth: { identities: 4, imagesPerIdentity: 4 },
      },
      augment: { overrides: { views: [{ size: 16 }] } },
      backbone: { width: 0.25 },
      schedule: { warmupSteps: 0 },
      train: { batch: 8, steps: 3, logEvery: 1, checkpointEvery: 2 },
    }),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = runWasmOneThread;

test('the fine-tuning recipes resolve, with LFW folds 1-5 for training', () => {
  const results = checkRecipes(path.join(repo, 'recipes/finetune'));
  expect(results.filter((r) => !r.ok)).toEqual([]);
  const arcface = loadFinetuneRecipe(path.join(repo, 'recipes/finetune/arcface-cpu.json'));
  expect(arcface).toMatchObject({
    data: { size: 64, lfwTrainFolds: [1, 2, 3, 4, 5] },
    backbone: { name: 'resnet18-narrow' },
    margin: { name: 'arcface', scale: 32, margin: 0.5 },
    augment: { preset: 'face', overrides: { views: [{ count: 1, size: 64 }] } },
  });
  expect(() =>
    loadFinetuneRecipe(path.join(repo, 'recipes/finetune/arcface-cpu.json'), ['eval.folds=[5,6]']),
  ).toThrow(/eval\.folds must not include a training fold .*\[5\]/);
  expect(() => loadFinetuneRecipe(path.join(repo, 'recipes/pretrain/simclr-cpu.json'))).toThrow(
    /task must be 'finetune'/,
  );
});

test('parseFolds reads ranges and lists', () => {
  expect(parseFolds('1-5')).toEqual([1, 2, 3, 4, 5]);
  expect(parseFolds('6,8-10')).toEqual([6, 8, 9, 10]);
  expect(() => parseFolds('0-3')).toThrow(/--lfw-train-folds must be folds in 1\.\.10/);
});

test('finetune runs a recipe and prints a JSON summary; bad input exits 2', async () => {
  const outDir = path.join(dir, 'run');
  const first = await run('finetune', recipeFile, '--out', outDir, '--max-steps', '2', '--json');
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({
    backend: tf.getBackend(),
    threads: expect.any(Number),
    status: 'stopped',
    step: 2,
    totalSteps: 3,
    classes: 4,
    from: null,
    evaluation: null,
  });
  const saved = JSON.parse(fs.readFileSync(path.join(outDir, 'recipe.json'), 'utf8'));
  expect(saved).toMatchObject({ task: 'finetune', output: { dir: outDir } });
  const resumed = await run('finetune', recipeFile, '--out', outDir, '--resume', '--json');
  expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', step: 3, startStep: 2 });
  const again = await run('finetune', recipeFile, '--out', outDir);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/already holds a run/);
  const folds = await run('finetune', recipeFile, '--lfw-train-folds', '11');
  expect(folds.code).toBe(2);
  const from = await run(
    'finetune',
    recipeFile,
    '--from',
    path.join(dir, 'none'),
    '--out',
    path.join(dir, 'x'),
  );
  expect(from.code).toBe(2);
  expect(from.stderr).toMatch(/--from: .* does not exist/);
});
