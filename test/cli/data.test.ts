// `faceclr data ...` and `faceclr bench data`, driven in-process through `main` on tiny synthetic
// data in os.tmpdir(); stdout and stderr are captured.
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { runWasm } from '../helpers/cli';
import { EXIT } from '../../src/cli/errors';
import { listFiles, makeTempDir, removeTempDir, writeBrokenFiles } from '../data/fixtures';

let tmp: string;
let synthDir: string;
let synthJson: Record<string, unknown>;

/** Runs `faceclr --backend wasm <args>`; returns the exit code and what was printed. */
const run = runWasm;

beforeAll(async () => {
  tmp = makeTempDir('cli-data');
  synthDir = path.join(tmp, 'synth');
  const r = await run(
    'data',
    'synth',
    '--out',
    synthDir,
    '--identities',
    '3',
    '--images-per-identity',
    '2',
    '--size',
    '32',
    '--seed',
    '1',
    '--json',
  );
  expect(r.code).toBe(EXIT.ok);
  synthJson = JSON.parse(r.stdout);
});

afterAll(() => removeTempDir(tmp));

describe('faceclr data synth', () => {
  it('writes outDir/id_XXXX/NNNN.png and reports it as JSON', async () => {
    expect(synthJson).toMatchObject({ outDir: synthDir, identities: 3, images: 6, size: 32 });
    expect(listFiles(synthDir)).toEqual(
      ['id_0000', 'id_0001', 'id_0002'].flatMap((id) =>
        ['0000.png', '0001.png'].map((f) => path.join(id, f)),
      ),
    );
    const meta = await sharp(path.join(synthDir, 'id_0002', '0001.png')).metadata();
    expect([meta.width, meta.height]).toEqual([32, 32]);
  });

  it('rejects a bad count with exit 2', async () => {
    const r = await run('data', 'synth', '--out', path.join(tmp, 'x'), '--identities', '0');
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/--identities.*must be an integer >= 1, got '0'/);
  });
});

describe('faceclr data preview', () => {
  it('writes a PNG grid: rows = images, columns = original + 2 simclr views', async () => {
    const out = path.join(tmp, 'preview', 'grid.png');
    const r = await run(
      'data',
      'preview',
      synthDir,
      '--size',
      '24',
      '--images',
      '4',
      '--out',
      out,
      '--json',
    );
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 4, columns: 3, preset: 'simclr' });
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(2 + 3 * (24 + 2));
    expect(meta.height).toBe(2 + 4 * (24 + 2));
  });
});

describe('faceclr data cache', () => {
  it('lists corrupt files as skipped, with their paths and reasons', async () => {
    const flat = path.join(tmp, 'flat');
    fs.mkdirSync(flat);
    for (const f of ['0000.png', '0001.png'])
      fs.copyFileSync(path.join(synthDir, 'id_0000', f), path.join(flat, f));
    const broken = await writeBrokenFiles(path.join(flat, 'broken'));
    const r = await run(
      'data',
      'cache',
      flat,
      '--size',
      '16',
      '--kind',
      'folder',
      '--cache-dir',
      path.join(tmp, 'cache'),
      '--json',
    );
    expect(r.code).toBe(EXIT.ok);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ count: 2, size: 16, kind: 'folder', rebuilt: true });
    expect(typeof result.seconds).toBe('number');
    const skipped = new Map(
      result.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason]),
    );
    for (const file of Object.values(broken)) expect(skipped.get(file)).toEqual(expect.any(String));
    expect(skipped.get(broken.empty)).toMatch(/empty/);
  });

  it('prints a table and the skipped files without --json', async () => {
    const r = await run(
      'data',
      'cache',
      path.join(tmp, 'flat'),
      '--size',
      '16',
      '--kind',
      'folder',
      '--cache-dir',
      path.join(tmp, 'cache'),
    );
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/images\s+2/);
    expect(r.stdout).toMatch(/skipped .*truncated\.png: /);
  });

  it('returns exit code 2 with a message for a missing folder', async () => {
    const missing = path.join(tmp, 'no-such-folder');
    const r = await run('data', 'cache', missing, '--cache-dir', path.join(tmp, 'cache'));
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain(`data cache: dataset '${missing}' does not exist`);
    const p = await run('data', 'preview', missing, '--out', path.join(tmp, 'g.png'));
    expect(p.code).toBe(EXIT.usage);
    expect(p.stderr).toMatch(/data preview: dataset '.*no-such-folder' does not exist/);
  });
});

describe('faceclr bench data', () => {
  it('prints the throughput fields as JSON on a tiny synthetic set', async () => {
    const r = await run(
      'bench',
      'data',
      '--images',
      '16',
      '--batch',
      '8',
      '--seconds',
      '0.05',
      '--json',
    );
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ images: 16, skipped: 0, backend: 'wasm', synthetic: true });
    for (const field of [
      'decodeImagesPerSecond',
      'cachedImagesPerSecond',
      'augmentViewsPerSecond',
      'augmentViewsPerSecond112',
      'loaderViewsPerSecond',
      'threads',
    ]) {
      expect(result[field]).toBeGreaterThan(0);
    }
  });

  it('rejects a missing --data folder with exit 2', async () => {
    const r = await run('bench', 'data', '--data', path.join(tmp, 'nothing'), '--json');
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/bench data: --data '.*nothing' does not exist/);
  });
});
