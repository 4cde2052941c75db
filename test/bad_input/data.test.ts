/**
 * Bad data for `faceclr pretrain` and `faceclr data cache`: a missing or empty folder, a folder of
 * nothing decodable (exit 2, no run folder content); broken files among good ones (skipped, listed,
 * the run goes on); a PNG named .jpg (decoded by content); a 6000×6000 PNG (resized into the
 * cache); a PNG over sharp's pixel limit (skipped with the reason).
 */
import * as fs from 'fs';
import * as path from 'path';
import { flatFolderSource, loadCache } from '../../src/data';
import { BROKEN, runCli, tempDir, writeMixedFolder, writeTinyRecipe } from './helpers';

let dir: string;
let recipe: string;
let mixed: string;

beforeAll(async () => {
  dir = tempDir('data');
  recipe = writeTinyRecipe(dir);
  mixed = path.join(dir, 'mixed');
  await writeMixedFolder(mixed);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** libjpeg's own errors (corrupt data, premature end), or sharp's failOn wrapper of them. */
const JPEG_DECODE_ERROR = /^VipsJpeg: (Corrupt JPEG data|premature end)|^Warning treated as error/;

/** Whatever is in a run folder besides nothing. */
const contents = (out: string) => (fs.existsSync(out) ? fs.readdirSync(out) : []);

test('a missing data folder exits 2 naming the folder; nothing is written', async () => {
  const out = path.join(dir, 'run-missing');
  const r = await runCli('pretrain', recipe, '--data', path.join(dir, 'nope'), '--out', out);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/faceclr: flatFolderSource: root '.*nope' does not exist/);
  expect(contents(out)).toEqual([]);
});

test('an empty data folder exits 2 naming the folder and the extensions looked for', async () => {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(path.join(empty, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(empty, 'readme.txt'), 'no images here');
  const out = path.join(dir, 'run-empty');
  const r = await runCli('pretrain', recipe, '--data', empty, '--out', out);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/no images found in '.*empty' \(extensions: \.jpg .*\.png/);
  expect(contents(out)).toEqual([]);
});

test('a folder of only undecodable files exits 2 naming the first file and why', async () => {
  const broken = path.join(dir, 'broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, BROKEN.text), 'hello');
  fs.writeFileSync(path.join(broken, BROKEN.zeroByte), '');
  const out = path.join(dir, 'run-broken');
  const r = await runCli('pretrain', recipe, '--data', broken, '--out', out);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /buildCache: none of the 2 files could be decoded \(first: '.*notes\.jpg': Input buffer contains unsupported image format\)/,
  );
  expect(contents(out)).toEqual([]);
});

test('data cache skips corrupt, truncated, zero-byte, text and over-limit files, listing each with its reason', async () => {
  const r = await runCli(
    'data',
    'cache',
    mixed,
    '--size',
    '16',
    '--cache-dir',
    path.join(dir, 'c1'),
    '--json',
  );
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  // 6 good PNGs + the PNG named .jpg + the 6000×6000 PNG
  expect(result.count).toBe(8);
  const reasons = Object.fromEntries(
    result.skipped.map((s: { path: string; reason: string }) => [path.basename(s.path), s.reason]),
  );
  expect(reasons).toEqual({
    // libvips keeps one error buffer for all threads: with decodes in parallel, a JPEG warning's
    // own text is sometimes replaced by sharp's generic failOn message, or by the other broken
    // JPEG's (a truncated file was seen reported as "Corrupt JPEG data: premature end of data
    // segment"). Either way it is a JPEG decode error, not a format or size refusal.
    [BROKEN.corrupt]: expect.stringMatching(JPEG_DECODE_ERROR),
    [BROKEN.truncated]: expect.stringMatching(JPEG_DECODE_ERROR),
    [BROKEN.zeroByte]: 'empty file (0 bytes)',
    [BROKEN.text]: 'Input buffer contains unsupported image format',
    [BROKEN.overLimit]: 'Input image exceeds pixel limit',
  });
  const text = await runCli(
    'data',
    'cache',
    mixed,
    '--size',
    '16',
    '--cache-dir',
    path.join(dir, 'c1'),
  );
  expect(text.stdout).toMatch(/skipped +5/);
  expect(text.stdout).toMatch(/skipped .*zero\.jpg: empty file \(0 bytes\)/);
});

test('a PNG named .jpg is decoded by its content; a 6000×6000 PNG is resized into the cache', async () => {
  const cache = await loadCache(flatFolderSource(mixed), {
    size: 16,
    cacheDir: path.join(dir, 'c2'),
  });
  try {
    const names = cache.paths.map((p) => path.basename(p));
    expect(names).toEqual(expect.arrayContaining(['png-named.jpg', 'huge.png']));
    const huge = await cache.readBatch([names.indexOf('huge.png')]);
    expect(huge.length).toBe(16 * 16 * 3);
    expect(Array.from(huge.subarray(0, 3))).toEqual([90, 120, 200]);
  } finally {
    await cache.dispose();
  }
});

test('pretrain on a folder with broken files trains on the rest and warns, naming the skipped files', async () => {
  const out = path.join(dir, 'run-mixed');
  const r = await runCli(
    'pretrain',
    recipe,
    '--data',
    mixed,
    '--out',
    out,
    '--max-steps',
    '1',
    '--json',
  );
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(result).toMatchObject({ status: 'stopped', step: 1 });
  expect(result.warnings[0]).toMatch(
    /^data: skipped 5 of 13 files that could not be decoded: '.*corrupt\.jpg' \(.*\); .* and 2 more \(faceclr data cache lists them all\)/,
  );
});
