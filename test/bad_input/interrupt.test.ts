/**
 * A real `faceclr pretrain` process: a second run on its output folder is refused while it runs;
 * Ctrl-C (SIGINT) mid-epoch finishes the step, saves a checkpoint and exits 1; `--resume` then
 * ends with bitwise the same weights and optimizer state as an uninterrupted run. (The in-process
 * version with an AbortSignal: test/train/trainer.test.ts, "stopping (max steps, then SIGINT-style
 * abort) and resuming ends bitwise equal to a straight run".)
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { latestCheckpoint, loadCheckpoint, type TensorGroup } from '../../src/train/checkpoint';
import { REPO, runCli, tempDir, writeTinyRecipe } from './helpers';

const STEPS = 16;
let dir: string;
let recipe: string;

beforeAll(async () => {
  dir = tempDir('sigint');
  // 16 images, batch 4: 4 steps per epoch; checkpoints only when stopped
  recipe = writeTinyRecipe(dir, { steps: STEPS, checkpointEvery: 1000 });
  await initBackend('wasm', { threads: 1 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function expectBitwiseEqual(a: TensorGroup, b: TensorGroup): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  const differ = Object.keys(a).filter(
    (name) =>
      !Buffer.from(
        a[name].values.buffer,
        a[name].values.byteOffset,
        a[name].values.byteLength,
      ).equals(
        Buffer.from(b[name].values.buffer, b[name].values.byteOffset, b[name].values.byteLength),
      ),
  );
  expect(differ).toEqual([]);
}

test('a second run is refused while the first runs; Ctrl-C then --resume equals an uninterrupted run', async () => {
  const out = path.join(dir, 'interrupted');
  const child = spawn(
    process.execPath,
    [
      path.join(REPO, 'scripts/dev.js'),
      '--backend',
      'wasm',
      '--threads',
      '1',
      'pretrain',
      recipe,
      '--out',
      out,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let second: Promise<Awaited<ReturnType<typeof runCli>>> | undefined;
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
    if (!second && new RegExp(`step 1/${STEPS}`).test(stderr)) {
      second = runCli('pretrain', recipe, '--out', out).then((r) => {
        child.kill('SIGINT'); // after the second run was turned away
        return r;
      });
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(second).toBeDefined();
  const refused = await second!;
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(
    new RegExp(
      `output folder '.*interrupted' is in use by another run \\(pid ${child.pid}, since .*\\); choose another --out`,
    ),
  );

  expect(stderr).toMatch(/stopping after the current step and saving a checkpoint/);
  const m = /interrupted at step (\d+); checkpoint saved, continue with --resume/.exec(stderr);
  expect(m).not.toBeNull();
  const stoppedAt = Number(m![1]);
  expect(stoppedAt).toBeGreaterThanOrEqual(1);
  expect(stoppedAt).toBeLessThan(STEPS);
  expect(code).toBe(1);
  expect(fs.existsSync(path.join(out, '.lock'))).toBe(false);

  const resumed = await runCli('pretrain', recipe, '--out', out, '--resume', '--json');
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({
    status: 'completed',
    step: STEPS,
    startStep: stoppedAt,
  });
  const straight = await runCli('pretrain', recipe, '--out', path.join(dir, 'straight'), '--json');
  expect(straight.code).toBe(0);
  const a = await loadCheckpoint(latestCheckpoint(path.join(dir, 'straight'))!);
  const b = await loadCheckpoint(latestCheckpoint(out)!);
  expectBitwiseEqual(a.variables, b.variables);
  expectBitwiseEqual(a.optimizer, b.optimizer);
  expect(b.loader).toEqual(a.loader);
}, 60000);
