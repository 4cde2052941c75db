import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeTinyRecipe } from '../bad_input/helpers';
import { runWasmOneThread } from '../helpers/cli';
import { tf } from '../../src/engine/tf';
import { latestCheckpoint } from '../../src/train/checkpoint';

let dir: string;
let recipeFile: string;
const repo = path.join(__dirname, '../..');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-cli-'));
  recipeFile = writeTinyRecipe(dir, { batch: 8, checkpointEvery: 2 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = runWasmOneThread;

test('pretrain runs a recipe, writes recipe.json, and prints a JSON summary; bad input exits 2', async () => {
  const outDir = path.join(dir, 'run');
  const first = await run('pretrain', recipeFile, '--out', outDir, '--max-steps', '2', '--json');
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  const summary = JSON.parse(first.stdout);
  expect(summary).toMatchObject({
    backend: tf.getBackend(),
    threads: expect.any(Number),
    status: 'stopped',
    step: 2,
    totalSteps: 3,
    outputDir: outDir,
  });
  const saved = JSON.parse(fs.readFileSync(path.join(outDir, 'recipe.json'), 'utf8'));
  expect(saved.output.dir).toBe(outDir);
  expect(saved.data.cacheDir).toBe(path.join(dir, 'cache'));

  const again = await run('pretrain', recipeFile, '--out', outDir, '--json');
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/already holds a run .* pass --resume/);
  const changed = await run(
    'pretrain',
    recipeFile,
    '--out',
    outDir,
    '--resume',
    '--set',
    'optimizer.lr=0.5',
    '--json',
  );
  expect(changed.code).toBe(2);
  expect(changed.stderr).toMatch(/recipe differs .* optimizer\.lr: 0\.001 → 0\.5/);
  const resumed = await run('pretrain', recipeFile, '--out', outDir, '--resume', '--json');
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', step: 3, startStep: 2 });

  const bad = await run('pretrain', recipeFile, '--set', 'train.batch=0');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/train\.batch must be an integer ≥ 2, got 0/);
  const noData = await run(
    'pretrain',
    recipeFile,
    '--data',
    path.join(dir, 'nope'),
    '--out',
    path.join(dir, 'r2'),
  );
  expect(noData.code).toBe(2);
  expect(noData.stderr).toMatch(/does not exist/);
});

test('recipe show prints the resolved recipe; recipe check validates a tree', async () => {
  const show = await run('recipe', 'show', recipeFile, '--set', 'seed=7');
  expect(show.code).toBe(0);
  expect(JSON.parse(show.stdout)).toMatchObject({
    seed: 7,
    framework: { name: 'simclr', temperature: 0.2 },
  });
  expect(show.stderr).toMatch(/recipe hash [0-9a-f]{16}/);
  const check = await run('recipe', 'check', path.join(repo, 'recipes'));
  expect(check.code).toBe(0);
  expect(check.stdout).toMatch(/ok +recipes\/pretrain\/moco-cpu\.json/);
  fs.mkdirSync(path.join(dir, 'tree'));
  fs.writeFileSync(path.join(dir, 'tree', 'x.json'), JSON.stringify({ train: { batch: 0 } }));
  const bad = await run('recipe', 'check', path.join(dir, 'tree'));
  expect(bad.code).toBe(2);
  expect(bad.stdout).toMatch(/invalid .*x\.json\n +- train\.batch must be an integer ≥ 2, got 0/);
});

test('Ctrl-C finishes the step, saves a checkpoint and exits 1', async () => {
  const outDir = path.join(dir, 'sigint');
  const child = spawn(
    process.execPath,
    [
      path.join(repo, 'scripts/dev.js'),
      '--backend',
      'wasm',
      '--threads',
      '1',
      'pretrain',
      recipeFile,
      '--out',
      outDir,
      '--set',
      'train.steps=500',
    ],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
    if (!sent && /step 2\/500/.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(stderr).toMatch(/stopping after the current step/);
  expect(stderr).toMatch(/interrupted at step \d+; checkpoint saved, continue with --resume/);
  expect(code).toBe(1);
  expect(latestCheckpoint(outDir)).toMatch(/step-0000000\d$/);
  expect(fs.existsSync(path.join(outDir, '.lock'))).toBe(false);
}, 60000);
