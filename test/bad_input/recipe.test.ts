/**
 * Bad recipes given to `faceclr pretrain`: unknown keys, wrong types, out-of-range values, in the
 * file or through `--set`. Every problem is listed at once as `<path> <expectation>, got <value>`,
 * the exit code is 2 and no run folder is created. (The schema's own cases:
 * test/recipes/recipe.test.ts.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli, tempDir, writeTinyRecipe } from './helpers';

let dir: string;
let recipe: string;
let out: string;

beforeAll(() => {
  dir = tempDir('recipe');
  recipe = writeTinyRecipe(dir);
  out = path.join(dir, 'run');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeRecipe(name: string, body: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

async function refused(...args: string[]): Promise<string> {
  const r = await runCli('pretrain', ...args, '--out', out);
  expect(r.code).toBe(2);
  expect(fs.existsSync(out)).toBe(false);
  return r.stderr;
}

test('a recipe file with an unknown key, a wrong type and an out-of-range value lists all three', async () => {
  const file = writeRecipe('bad.json', {
    extends: './tiny.json',
    train: { bacth: 8, batch: '8' },
    optimizer: { lr: -1 },
  });
  const stderr = await refused(file);
  expect(stderr).toMatch(/recipe '.*bad\.json': /);
  expect(stderr).toMatch(/optimizer\.lr must be a number ≥ 0, got -1/);
  expect(stderr).toMatch(/train\.batch must be an integer ≥ 2, got "8"/);
  expect(stderr).toMatch(/train has unknown key 'bacth'/);
});

test('--set: unknown key, wrong type, out of range, unknown name, framework option', async () => {
  expect(await refused(recipe, '--set', 'train.bogus=3')).toMatch(/train has unknown key 'bogus'/);
  expect(await refused(recipe, '--set', 'train.batch=abc')).toMatch(
    /train\.batch must be an integer ≥ 2, got "abc"/,
  );
  expect(await refused(recipe, '--set', 'data.size=4')).toMatch(
    /data\.size must be an integer ≥ 8, got 4/,
  );
  expect(await refused(recipe, '--set', 'backbone.name=resnet99')).toMatch(
    /backbone\.name must be one of resnet18-narrow \| .* \| mobilefacenet, got "resnet99"/,
  );
  expect(await refused(recipe, '--set', 'framework.temperature=0')).toMatch(
    /framework\.temperature must be > 0, got 0/,
  );
});

test('a missing recipe, invalid JSON and a missing base name the file', async () => {
  expect(await refused(path.join(dir, 'nope.json'))).toMatch(
    /recipe '.*nope\.json' does not exist or cannot be read/,
  );
  expect(await refused(writeRecipe('syntax.json', '{ "train": { "batch": 8, } }'))).toMatch(
    /recipe '.*syntax\.json' is not valid JSON/,
  );
  expect(await refused(writeRecipe('orphan.json', { extends: './base-gone.json' }))).toMatch(
    /recipe '.*base-gone\.json' \(extended by '.*orphan\.json'\) does not exist/,
  );
});
