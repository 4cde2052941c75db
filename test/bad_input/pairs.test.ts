/**
 * A malformed LFW pairs file given to `faceclr eval lfw`: exit 2 with the file and the 1-based line
 * number of the first bad row (the reader itself: test/data/lfw_pairs.test.ts, "names the file and
 * line of a malformed row").
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli, tempDir } from './helpers';

let dir: string;

beforeAll(() => {
  dir = tempDir('pairs');
  fs.mkdirSync(path.join(dir, 'images'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** View 2 layout, 1 fold of 2 same + 2 different pairs, with `line` (1-based) replaced by `row`. */
function pairsWith(name: string, line: number, row: string): string {
  const rows = ['1\t2', 'Ann\t1\t2', 'Bob\t1\t3', 'Ann\t1\tBob\t2', 'Bob\t2\tCid\t1'];
  rows[line - 1] = row;
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

const evalLfw = (pairs: string) =>
  runCli('eval', 'lfw', '--model', 'pixels', '--data', dir, '--pairs', pairs);

test('a row with too few fields exits 2 naming the file, the line and the expected shape', async () => {
  const r = await evalLfw(pairsWith('short-row.txt', 3, 'Bob\t1'));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /readLfwPairs: malformed row at .*short-row\.txt:3: expected 'name i j' \(same-person pair\), got 'Bob\t1'/,
  );
});

test('a non-numeric image index on a different-person row names its line', async () => {
  const r = await evalLfw(pairsWith('bad-index.txt', 5, 'Bob\ttwo\tCid\t1'));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/malformed row at .*bad-index\.txt:5: expected 'name1 i name2 j'/);
});

test('a header that disagrees with the rows, and a bad header, name line 1', async () => {
  const count = path.join(dir, 'count.txt');
  fs.writeFileSync(count, '1\t3\nAnn\t1\t2\n');
  const r = await evalLfw(count);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/count\.txt header \(line 1\) announces 6 pair rows, found 1/);
  const header = await evalLfw(pairsWith('header.txt', 1, 'ten folds'));
  expect(header.code).toBe(2);
  expect(header.stderr).toMatch(/malformed header at .*header\.txt:1/);
});
