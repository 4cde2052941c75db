import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSynthLfw, lfwFoldPeople, readLfwPairs } from '../../src/data';

describe('generateSynthLfw', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-synth-lfw-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes an LFW layout whose pairs file parses, resolves and has identity-disjoint folds', async () => {
    const lfw = await generateSynthLfw({
      outDir: dir,
      folds: 3,
      peoplePerFold: 3,
      imagesPerPerson: 3,
      pairsPerFold: 4,
      size: 24,
      seed: 5,
    });
    expect(lfw.people).toBe(9);
    const pairs = readLfwPairs(lfw.pairsFile, { checkImages: true });
    expect(pairs.folds).toHaveLength(3);
    for (const fold of pairs.folds) {
      expect(fold.filter((p) => p.same)).toHaveLength(4);
      expect(fold.filter((p) => !p.same)).toHaveLength(4);
      for (const p of fold) {
        if (p.same) expect(p.indexA).not.toBe(p.indexB);
        else expect(p.nameA).not.toBe(p.nameB);
      }
    }
    const people = [0, 1, 2].map((f) => new Set(lfwFoldPeople(pairs, [f])));
    for (let a = 0; a < 3; a++) {
      for (let b = a + 1; b < 3; b++) {
        expect([...people[a]].filter((n) => people[b].has(n))).toEqual([]);
      }
    }
    expect(fs.existsSync(path.join(dir, '.staging'))).toBe(false);
  });
});
