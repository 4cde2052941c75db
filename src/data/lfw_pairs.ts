/**
 * Readers for the LFW verification protocol files.
 *
 * - View 2, `pairs.txt`: first line `10\t300`; then for each of the 10 folds, 300 same-person rows
 *   `name i j` followed by 300 different-person rows `name1 i name2 j`.
 * - View 1, `pairsDevTrain.txt` / `pairsDevTest.txt`: first line `N`; then N same rows and N
 *   different rows, read as a single fold.
 *
 * Image `i` of a person resolves to `<imagesRoot>/<name>/<name>_<iiii>.jpg` (4-digit zero pad).
 * Reference: Huang et al., "Labeled Faces in the Wild", UMass TR 07-49, 2007.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';

/** One verification pair; `line` is its 1-based line number in the pairs file. */
export interface LfwPair {
  nameA: string;
  indexA: number;
  nameB: string;
  indexB: number;
  same: boolean;
  pathA: string;
  pathB: string;
  line: number;
}

/** A parsed pairs file. */
export interface LfwPairs {
  file: string;
  imagesRoot: string;
  /** `view2` for `pairs.txt` (10 folds), `view1` for the dev files (one fold). */
  view: 'view1' | 'view2';
  /** Pairs per fold, same-person pairs first, in file order. */
  folds: LfwPair[][];
}

export interface ReadLfwPairsOptions {
  /** Folder of `<name>/<name>_NNNN.jpg` (default: `images` beside the pairs file). */
  imagesRoot?: string;
  /** Check that every referenced image exists (default true). */
  checkImages?: boolean;
}

/** `<imagesRoot>/<name>/<name>_<NNNN>.jpg` with a 4-digit zero-padded index. */
export function lfwImagePath(imagesRoot: string, name: string, index: number): string {
  return path.join(imagesRoot, name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

const POSITIVE_INT = /^[1-9]\d*$/;

/**
 * Parses a View 1 or View 2 pairs file and resolves the image of every pair.
 *
 * @throws DataError naming the file and line number for a malformed header or row, a row count
 *   that disagrees with the header, or (with `checkImages`) an image that does not exist.
 * @example
 * const pairs = readLfwPairs('data/lfw/pairs.txt'); // pairs.folds.length === 10
 */
export function readLfwPairs(file: string, options: ReadLfwPairsOptions = {}): LfwPairs {
  const fn = 'readLfwPairs';
  const pairsFile = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(pairsFile, 'utf8');
  } catch {
    throw new DataError(`${fn}: pairs file '${pairsFile}' does not exist or cannot be read`);
  }
  const imagesRoot = path.resolve(
    options.imagesRoot ?? path.join(path.dirname(pairsFile), 'images'),
  );
  const checkImages = options.checkImages ?? true;
  if (checkImages && !fs.existsSync(imagesRoot)) {
    throw new DataError(`${fn}: options.imagesRoot '${imagesRoot}' does not exist`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const header = (lines[0] ?? '').trim().split(/\s+/);
  let view: LfwPairs['view'];
  let foldCount: number;
  let perHalf: number;
  if (header.length === 2 && header.every((f) => POSITIVE_INT.test(f))) {
    [view, foldCount, perHalf] = ['view2', Number(header[0]), Number(header[1])];
  } else if (header.length === 1 && POSITIVE_INT.test(header[0])) {
    [view, foldCount, perHalf] = ['view1', 1, Number(header[0])];
  } else {
    throw new DataError(
      `${fn}: malformed header at ${pairsFile}:1: expected 'folds<TAB>pairs' (View 2) or 'pairs' (View 1), got '${lines[0] ?? ''}'`,
    );
  }
  const expected = foldCount * perHalf * 2;
  if (lines.length - 1 !== expected) {
    throw new DataError(
      `${fn}: ${pairsFile} header (line 1) announces ${expected} pair rows, found ${lines.length - 1}`,
    );
  }
  const folds: LfwPair[][] = [];
  for (let f = 0; f < foldCount; f++) {
    const fold: LfwPair[] = [];
    for (let k = 0; k < 2 * perHalf; k++) {
      const lineNo = 2 + f * 2 * perHalf + k;
      const same = k < perHalf;
      const row = lines[lineNo - 1].trim();
      const fields = row.split(/\s+/);
      const ok = same
        ? fields.length === 3 && POSITIVE_INT.test(fields[1]) && POSITIVE_INT.test(fields[2])
        : fields.length === 4 && POSITIVE_INT.test(fields[1]) && POSITIVE_INT.test(fields[3]);
      if (!ok) {
        const shape = same
          ? "'name i j' (same-person pair)"
          : "'name1 i name2 j' (different-person pair)";
        throw new DataError(
          `${fn}: malformed row at ${pairsFile}:${lineNo}: expected ${shape}, got '${row}'`,
        );
      }
      const [nameA, indexA, nameB, indexB] = same
        ? [fields[0], Number(fields[1]), fields[0], Number(fields[2])]
        : [fields[0], Number(fields[1]), fields[2], Number(fields[3])];
      const pair: LfwPair = {
        nameA,
        indexA,
        nameB,
        indexB,
        same,
        pathA: lfwImagePath(imagesRoot, nameA, indexA),
        pathB: lfwImagePath(imagesRoot, nameB, indexB),
        line: lineNo,
      };
      if (checkImages) {
        for (const p of [pair.pathA, pair.pathB]) {
          if (!fs.existsSync(p)) {
            throw new DataError(
              `${fn}: image '${p}' of the pair at ${pairsFile}:${lineNo} does not exist`,
            );
          }
        }
      }
      fold.push(pair);
    }
    folds.push(fold);
  }
  return { file: pairsFile, imagesRoot, view, folds };
}
