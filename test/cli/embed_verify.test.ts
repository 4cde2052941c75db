import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSynthFaces } from '../../src/data';
import { runWasm } from '../helpers/cli';

const run = runWasm;

describe('faceclr embed / verify', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-embed-'));
  let files: string[] = [];
  beforeAll(async () => {
    files = (
      await generateSynthFaces({
        outDir: dir,
        identities: 2,
        imagesPerIdentity: 1,
        size: 48,
        seed: 1,
      })
    ).paths;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('embed writes one unit-norm row per image as JSON', async () => {
    const r = await run('embed', ...files, '--model', 'random');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.embeddings).toHaveLength(2);
    for (const { embedding } of doc.embeddings) {
      expect(Math.hypot(...embedding)).toBeCloseTo(1, 4);
    }
  });

  it('embed --out x.bin writes an N×D float32 matrix', async () => {
    const out = path.join(dir, 'e.bin');
    const r = await run('embed', ...files, '--model', 'random', '--out', out, '--json');
    expect(r.code).toBe(0);
    const { count, dim } = JSON.parse(r.stdout);
    expect(fs.statSync(out).size).toBe(count * dim * 4);
  });

  it('verify of an image with itself scores 1 and says same', async () => {
    const r = await run(
      'verify',
      files[0],
      files[0],
      '--model',
      'random',
      '--threshold',
      '0.5',
      '--json',
    );
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.score).toBeCloseTo(1, 5);
    expect(v.same).toBe(true);
    expect(v.thresholdSource).toBe('--threshold');
  });

  it('bad input is exit 2 with a message', async () => {
    const missing = await run('embed', path.join(dir, 'nope.png'), '--model', 'random');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.png' does not exist/);
    const noThreshold = await run('verify', files[0], files[1], '--model', 'random');
    expect(noThreshold.code).toBe(2);
    expect(noThreshold.stderr).toMatch(/pass --threshold/);
  });
});
