/**
 * Bad runs of `faceclr pretrain` / `finetune`: weights of another backbone, a resume with a
 * changed recipe, a NaN loss, a full disk while checkpointing and a batch too large for the wasm
 * heap. Each stops with a message saying what happened and what is kept, and keeps the last
 * complete checkpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint';
import { REPO, runCli, tempDir, writeTinyRecipe } from './helpers';

let dir: string;
let recipe: string;
let base: string;

beforeAll(async () => {
  dir = tempDir('runs');
  recipe = writeTinyRecipe(dir);
  base = path.join(dir, 'base');
  const r = await runCli('pretrain', recipe, '--out', base, '--json');
  expect(r.code).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('finetune --from weights of another backbone exits 2 naming both backbones', async () => {
  // a resnet18-narrow export beside a recipe.json that says ir18
  const foreign = path.join(dir, 'foreign');
  fs.cpSync(path.join(base, 'backbone'), path.join(foreign, 'backbone'), { recursive: true });
  const saved = JSON.parse(fs.readFileSync(path.join(base, 'recipe.json'), 'utf8'));
  fs.writeFileSync(
    path.join(foreign, 'recipe.json'),
    JSON.stringify({ ...saved, backbone: { ...saved.backbone, name: 'ir18' } }),
  );
  const ft = path.join(dir, 'ft.json');
  fs.writeFileSync(
    ft,
    JSON.stringify({
      extends: path.join(REPO, 'recipes/finetune/arcface-cpu.json'),
      data: {
        path: 'synth',
        lfwTrainFolds: null,
        size: 16,
        cacheDir: path.join(dir, 'cache'),
        synth: { identities: 4, imagesPerIdentity: 4 },
      },
      augment: { overrides: { views: [{ size: 16 }] } },
      train: { batch: 8, steps: 2 },
    }),
  );
  const out = path.join(dir, 'ft-run');
  const r = await runCli('finetune', ft, '--from', foreign, '--out', out);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /--from: loadParams: checkpoint .*foreign\/backbone does not match the model: 'stem\/conv\/kernel' has shape \[[\d,]+\] in the model, \[[\d,]+\] in the checkpoint.*checkpoint is for backbone resnet18-narrow, recipe asks for ir18/,
  );
  expect(latestCheckpoint(out)).toBeUndefined();
});

test('--resume with a changed recipe is refused, listing every differing path', async () => {
  const before = latestCheckpoint(base);
  const r = await runCli(
    'pretrain',
    recipe,
    '--out',
    base,
    '--resume',
    '--set',
    'backbone.width=0.5',
    '--set',
    'optimizer.lr=0.01',
  );
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /--resume: the recipe differs from the checkpoint's \(step-00000003\) at backbone\.width: 0\.25 → 0\.5; optimizer\.lr: 0\.001 → 0\.01; only output\.\*, train\.steps\/epochs and monitoring settings may change/,
  );
  expect(latestCheckpoint(base)).toBe(before);
});

test('a NaN loss exits 1 naming the step; the last good checkpoint stays the latest and loads', async () => {
  const out = path.join(dir, 'nan');
  const r = await runCli(
    'pretrain',
    recipe,
    '--out',
    out,
    '--set',
    'optimizer.name=sgd',
    '--set',
    'optimizer.lr=1e30',
    '--set',
    'train.steps=6',
  );
  expect(r.code).toBe(1);
  const m =
    /faceclr: pretrain: the loss is (?:NaN|-?Infinity) at step (\d+) \(lr [\d.e+]+\); stopped before updating, the last good checkpoint is (\S+)\. Lower optimizer\.lr/.exec(
      r.stderr,
    );
  expect(m).not.toBeNull();
  const step = Number(m![1]);
  expect(m![2]).toBe(latestCheckpoint(out));
  expect(path.basename(m![2])).toBe(`step-${String(step).padStart(8, '0')}`);
  expect((await loadCheckpoint(m![2])).step).toBe(step);
  expect(fs.existsSync(path.join(out, '.lock'))).toBe(false);
});

test('a full disk while checkpointing exits 1; the previous checkpoint stays valid and resumes', async () => {
  const out = path.join(dir, 'enospc');
  const realOpen = fs.promises.open.bind(fs.promises);
  let tensorWrites = 0;
  // the 2nd checkpoint's tensors.bin: half written, then ENOSPC
  const spy = jest.spyOn(fs.promises, 'open').mockImplementation((async (
    file: fs.PathLike,
    ...rest: [fs.OpenMode?, fs.Mode?]
  ) => {
    const handle = await realOpen(file, ...rest);
    if (!String(file).endsWith('tensors.bin') || ++tensorWrites !== 2) return handle;
    return new Proxy(handle, {
      get(target, key) {
        if (key === 'writeFile') {
          return async (data: Uint8Array) => {
            await target.write(data.subarray(0, data.length >> 1));
            const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
            Object.assign(e, { code: 'ENOSPC', errno: -28, syscall: 'write' });
            throw e;
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }) as typeof fs.promises.open);
  let r: Awaited<ReturnType<typeof runCli>>;
  try {
    r = await runCli('pretrain', recipe, '--out', out);
  } finally {
    spy.mockRestore();
  }
  expect(tensorWrites).toBe(2);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /faceclr: saveCheckpoint: cannot write checkpoint step-00000002 in '.*enospc\/checkpoints' \(ENOSPC: no space left on device, write\); the last complete checkpoint is .*step-00000001: free some space and resume from it/,
  );
  const checkpoints = path.join(out, 'checkpoints');
  expect(fs.readdirSync(checkpoints).sort()).toEqual(['latest', 'step-00000001']);
  expect((await loadCheckpoint(latestCheckpoint(out)!)).step).toBe(1);
  expect(fs.existsSync(path.join(out, '.lock'))).toBe(false);
  const resumed = await runCli('pretrain', recipe, '--out', out, '--resume', '--json');
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', step: 3, startStep: 1 });
});

test('a batch too large for the 4 GiB wasm heap exits 1 at once, naming the batch and the limit', async () => {
  const out = path.join(dir, 'huge-batch');
  const cache = path.join(dir, 'cache-huge-batch');
  const started = Date.now();
  const r = await runCli(
    'pretrain',
    path.join(REPO, 'recipes/pretrain/simclr-cpu.json'),
    '--out',
    out,
    '--set',
    'train.batch=100000',
    '--set',
    `data.cacheDir=${cache}`,
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /faceclr: pretrain: train\.batch 100000 does not fit in memory: its 64×64 float32 images and 2 augmented views \(64, 64 px\) alone take 13\.73 GiB, more than the wasm backend's 4 GiB heap.*Lower train\.batch, or use --backend tensorflow/,
  );
  expect(Date.now() - started).toBeLessThan(10000);
  expect(fs.existsSync(cache)).toBe(false); // refused before any data was read
  expect(latestCheckpoint(out)).toBeUndefined();
});

test('a batch larger than the data set exits 2 naming both sizes', async () => {
  const out = path.join(dir, 'big-batch');
  const r = await runCli('pretrain', recipe, '--out', out, '--set', 'train.batch=100');
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /faceclr: DataLoader: an epoch has no batch \(16 images, batchSize 100, dropLast true\)/,
  );
  expect(latestCheckpoint(out)).toBeUndefined();
});
