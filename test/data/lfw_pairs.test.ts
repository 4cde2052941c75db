import * as fs from 'fs';
import * as path from 'path';
import {
  DataError,
  lfwFoldPeople,
  lfwImagePath,
  lfwTrainingSource,
  readLfwPairs,
} from '../../src/data';
import { makeTempDir, removeTempDir, writeImage } from './fixtures';

// Two folds of 2 same + 2 different pairs; the folds share no person.
const VIEW2 = [
  '2\t2',
  'Ann_A\t1\t2',
  'Bob_B\t1\t3',
  'Ann_A\t1\tBob_B\t2',
  'Bob_B\t3\tAnn_A\t2',
  'Cid_C\t1\t2',
  'Dee_D\t1\t2',
  'Cid_C\t2\tDee_D\t1',
  'Dee_D\t2\tCid_C\t1',
].join('\n');

describe('LFW pairs', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  beforeAll(async () => {
    dir = makeTempDir('lfw');
    const images: [string, number][] = [
      ['Ann_A', 2],
      ['Bob_B', 3],
      ['Cid_C', 2],
      ['Dee_D', 2],
    ];
    for (const [name, count] of images) {
      for (let i = 1; i <= count; i++)
        await writeImage(lfwImagePath(path.join(dir, 'images'), name, i), 'jpeg', 8, 8, i);
    }
  });
  afterAll(() => removeTempDir(dir));

  it('resolves name/name_NNNN.jpg with a 4-digit pad', () => {
    expect(lfwImagePath('/lfw', 'Ann_A', 7)).toBe(path.join('/lfw', 'Ann_A', 'Ann_A_0007.jpg'));
  });

  it('reads View 2 folds, same pairs first, with line numbers', () => {
    const pairs = readLfwPairs(write('pairs.txt', VIEW2 + '\n'));
    expect(pairs.view).toBe('view2');
    expect(pairs.folds).toHaveLength(2);
    expect(pairs.folds[0].map((p) => p.same)).toEqual([true, true, false, false]);
    expect(pairs.folds[1][2]).toMatchObject({
      nameA: 'Cid_C',
      indexA: 2,
      nameB: 'Dee_D',
      indexB: 1,
      line: 8,
    });
    expect(pairs.folds[0][0].pathB).toBe(path.join(dir, 'images', 'Ann_A', 'Ann_A_0002.jpg'));
    expect(lfwFoldPeople(pairs, [1])).toEqual(['Cid_C', 'Dee_D']);
  });

  it('reads View 1 dev files as one fold', () => {
    const pairs = readLfwPairs(write('pairsDevTest.txt', '1\nAnn_A 1 2\nBob_B 1 Cid_C 1\n'));
    expect(pairs.view).toBe('view1');
    expect(pairs.folds[0].map((p) => [p.same, p.line])).toEqual([
      [true, 2],
      [false, 3],
    ]);
  });

  it('names the file and line of a malformed row', () => {
    const rows = VIEW2.split('\n');
    const bad = (k: number, row: string): string =>
      write('bad.txt', rows.map((r, i) => (i === k ? row : r)).join('\n'));
    expect(() => readLfwPairs(bad(2, 'Bob_B\t1'))).toThrow(DataError);
    expect(() => readLfwPairs(bad(2, 'Bob_B\t1'))).toThrow(
      /malformed row at .*bad\.txt:3: expected 'name i j'/,
    );
    expect(() => readLfwPairs(bad(3, 'Ann_A\t1\t2'))).toThrow(
      /bad\.txt:4: expected 'name1 i name2 j'/,
    );
    expect(() => readLfwPairs(bad(5, 'Cid_C\tone\t2'))).toThrow(/bad\.txt:6/);
    expect(() => readLfwPairs(bad(0, 'ten 300'))).toThrow(/malformed header at .*bad\.txt:1/);
    expect(() => readLfwPairs(write('short.txt', rows.slice(0, 7).join('\n')))).toThrow(
      /announces 8 pair rows, found 6/,
    );
  });

  it('names the missing image and the line that refers to it', () => {
    const file = write('missing.txt', VIEW2.replace('Bob_B\t1\t3', 'Bob_B\t1\t9'));
    expect(() => readLfwPairs(file)).toThrow(
      /image '.*Bob_B_0009\.jpg' of the pair at .*missing\.txt:3 does not exist/,
    );
    expect(readLfwPairs(file, { checkImages: false }).folds[0][1].indexB).toBe(9);
  });

  it('builds an identity-disjoint training source from some folds', () => {
    const pairs = readLfwPairs(path.join(dir, 'pairs.txt'));
    const train = lfwTrainingSource(pairs, [0], { excludeFolds: [1] });
    expect(train.classNames).toEqual(['Ann_A', 'Bob_B']);
    expect(train.paths).toHaveLength(5);
    expect(() => lfwTrainingSource(pairs, [0], { excludeFolds: [0] })).toThrow(/leave no person/);
    expect(() => lfwFoldPeople(pairs, [2])).toThrow(/folds must hold integers in \[0, 2\), got 2/);
  });

  const real = '/work/shared/data/lfw/pairs.txt';
  (fs.existsSync(real) ? it : it.skip)(
    'parses the real View 2 pairs.txt: 10 identity-disjoint folds',
    () => {
      const pairs = readLfwPairs(real);
      expect(pairs.folds.map((f) => f.length)).toEqual(new Array(10).fill(600));
      const seen = new Map<string, number>();
      pairs.folds.forEach((_, f) => {
        for (const name of lfwFoldPeople(pairs, [f])) {
          expect(seen.get(name) ?? f).toBe(f);
          seen.set(name, f);
        }
      });
    },
  );
});
