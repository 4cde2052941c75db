import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  applySets,
  checkRecipes,
  defaultRegistries,
  diffRecipes,
  loadRecipe,
  recipeHash,
  resolveRecipe,
  RecipeError,
} from '../../src/recipes';

const registries = defaultRegistries();
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-recipes-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

const resolve = (raw: Record<string, unknown>) => resolveRecipe(raw, 'recipe', { registries });

test('every recipe in recipes/ resolves', () => {
  const results = checkRecipes(path.join(__dirname, '../../recipes'));
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.map((r) => path.basename(r.file))).toEqual(
    expect.arrayContaining(['base.json', 'simclr-cpu.json', 'swav-gpu.json']),
  );
  const simclr = loadRecipe(path.join(__dirname, '../../recipes/pretrain/simclr-cpu.json'));
  expect(simclr).toMatchObject({
    data: { size: 64 },
    backbone: { name: 'resnet18-narrow' },
    train: { batch: 64 },
  });
  expect(simclr.framework).toMatchObject({ name: 'simclr', temperature: 0.2, loss: 'info_nce' }); // defaults filled
});

test('defaults come from the schema; neither steps nor epochs means 1000 steps', () => {
  const r = resolve({});
  expect(r).toMatchObject({
    seed: 0,
    data: { path: 'synth', kind: 'folder', size: 64, crop: null },
    optimizer: { name: 'adam', lr: 0.001 },
    schedule: { name: 'cosine', warmupSteps: 0 },
    train: {
      batch: 64,
      steps: 1000,
      epochs: null,
      clipNorm: null,
      gradCacheChunk: null,
      knn: null,
    },
  });
  expect(resolve({ train: { epochs: 3 } }).train).toMatchObject({ steps: null, epochs: 3 });
});

test.each([
  [{ train: { batch: 0 } }, /train\.batch must be an integer ≥ 2, got 0$/],
  [{ train: { batch: 2.5 } }, /train\.batch must be an integer ≥ 2, got 2\.5/],
  [
    { train: { steps: 10, epochs: 3 } },
    /train\.epochs cannot be set together with train\.steps \(10\)/,
  ],
  [
    { train: { batch: 4, gradCacheChunk: 8 } },
    /train\.gradCacheChunk must be ≤ train\.batch \(4\), got 8/,
  ],
  [
    { optimizer: { name: 'adamx' } },
    /optimizer\.name must be one of sgd \| adagrad \| adam \| adamw \| lars, got "adamx"/,
  ],
  [{ optimizer: { name: 'adam', momentum: 0.9 } }, /optimizer has unknown key 'momentum'/],
  [{ framework: { name: 'simclr', temperature: 0 } }, /framework\.temperature must be > 0, got 0/],
  [{ framework: { name: 'simclr', queueSize: 5 } }, /framework has unknown key 'queueSize'/],
  [
    { framework: { name: 'dino' } },
    /framework\.name must be one of simclr \| supcon \| moco .*, got "dino"/,
  ],
  [{ backbone: { name: 'vit' } }, /backbone\.name must be one of resnet18-narrow .*, got "vit"/],
  [
    { augment: { overrides: { views: [{ size: 0 }] } } },
    /augment\.overrides\.views\.0\.size must be >= 2, got 0/,
  ],
  [{ data: { kind: 'zip' } }, /data\.kind must be 'folder' \| 'identity' \| 'list', got "zip"/],
  [{ trian: {} }, /recipe: \(recipe\) has unknown key 'trian'/],
])('%j is rejected with the path, value and expectation', (raw, message) => {
  expect(() => resolve(raw as Record<string, unknown>)).toThrow(RecipeError);
  expect(() => resolve(raw as Record<string, unknown>)).toThrow(message);
});

test('every problem is reported at once', () => {
  try {
    resolve({ seed: -1, train: { batch: 0 } });
    throw new Error('no error');
  } catch (e) {
    expect((e as RecipeError).problems).toEqual([
      'seed must be an integer ≥ 0, got -1',
      'train.batch must be an integer ≥ 2, got 0',
    ]);
  }
});

test('extends deep-merges a base (relative to the file), child wins, views merge by index, null unsets', () => {
  write('nested/base.json', {
    train: { batch: 32, steps: 100 },
    augment: { preset: 'simclr', overrides: { views: [{ size: 48, blur: { probability: 0 } }] } },
    framework: { name: 'simclr', temperature: 0.3 },
  });
  const child = write('child.json', {
    extends: './nested/base.json',
    train: { steps: null, epochs: 2 },
    augment: { overrides: { views: [{ size: 32 }] } },
  });
  const r = loadRecipe(child, [], { registries });
  expect(r.train).toMatchObject({ batch: 32, steps: null, epochs: 2 });
  expect(r.augment.overrides).toEqual({ views: [{ size: 32, blur: { probability: 0 } }] });
  expect(r.framework).toMatchObject({ name: 'simclr', temperature: 0.3 });
  expect('extends' in r).toBe(false);
});

test('extends errors name the files: missing base, cycle, bad JSON', () => {
  const orphan = write('orphan.json', { extends: 'missing.json' });
  expect(() => loadRecipe(orphan, [], { registries })).toThrow(
    /recipe '.*missing\.json' \(extended by '.*orphan\.json'\) does not exist/,
  );
  write('a.json', { extends: 'b.json' });
  const b = write('b.json', { extends: 'a.json' });
  expect(() => loadRecipe(b, [], { registries })).toThrow(
    /recipe 'extends' cycle: .*b\.json → .*a\.json → .*b\.json/,
  );
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{ "seed": ');
  expect(() => loadRecipe(bad, [], { registries })).toThrow(
    /recipe '.*bad\.json' is not valid JSON/,
  );
});

test('--set values are typed by the schema', () => {
  const raw = applySets(
    { framework: { name: 'moco' } },
    [
      'data.path=2024',
      'train.batch=32',
      'train.clipNorm=null',
      'optimizer.name=sgd',
      'optimizer.nesterov=true',
      'framework.queueSize=256',
      'framework.momentum.schedule=constant',
      'augment.overrides.views.0.crop.scale=[0.3,1]',
    ],
    registries,
  );
  const r = resolve(raw);
  expect(r.data.path).toBe('2024');
  expect(r.train).toMatchObject({ batch: 32, clipNorm: null });
  expect(r.optimizer).toMatchObject({ name: 'sgd', nesterov: true, momentum: 0.9 });
  expect(r.framework).toMatchObject({
    name: 'moco',
    queueSize: 256,
    momentum: { schedule: 'constant' },
  });
  expect(r.augment.overrides).toEqual({ views: [{ crop: { scale: [0.3, 1] } }] });
  expect(() => applySets({}, ['train.batch'], registries)).toThrow(
    /--set must be key\.path=value .*got 'train\.batch'/,
  );
  expect(() => resolve(applySets({}, ['train.batch=lots'], registries))).toThrow(
    /train\.batch must be an integer ≥ 2, got "lots"/,
  );
});

test('the hash ignores key order; a resolved recipe reloads to itself; diffs name the paths', () => {
  const a = resolve({ seed: 1, train: { batch: 8, steps: 5 } });
  const b = resolve({ train: { steps: 5, batch: 8 }, seed: 1 });
  expect(recipeHash(a)).toBe(recipeHash(b));
  const file = write('resolved.json', a);
  expect(recipeHash(loadRecipe(file, [], { registries }))).toBe(recipeHash(a));
  const c = resolve({ seed: 1, train: { batch: 16, steps: 5 } });
  expect(recipeHash(c)).not.toBe(recipeHash(a));
  expect(diffRecipes(a, c)).toEqual(['train.batch: 8 → 16']);
});

test('checkRecipes reports invalid files with their problems', () => {
  const tree = path.join(dir, 'tree');
  write('tree/good.json', { train: { batch: 8 } });
  write('tree/sub/bad.json', { train: { batch: 0 } });
  const results = checkRecipes(tree, { registries });
  expect(results.map((r) => [path.basename(r.file), r.ok])).toEqual([
    ['good.json', true],
    ['bad.json', false],
  ]);
  expect(results[1].problems).toEqual(['train.batch must be an integer ≥ 2, got 0']);
  expect(() => checkRecipes(path.join(dir, 'none'))).toThrow(/not a readable folder/);
});
