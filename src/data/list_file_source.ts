/**
 * A source read from an explicit list file: one image per line, `path` or `path,label` (a tab also
 * separates). Relative paths are resolved against the list file's folder (or `options.root`).
 * Blank lines and lines starting with `#` are ignored.
 *
 * Labels are either all non-negative integers (used as they are) or names (numbered in sorted
 * order, kept in `classNames`). Either every row has a label or none does.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import type { ImageSource } from './image_source';

export interface ListFileOptions {
  /** Folder relative paths are resolved against (default: the list file's folder). */
  root?: string;
}

/**
 * Reads a list file (`path[,label]` per line).
 *
 * @throws DataError naming the file and the line number for a malformed row, a missing image file
 *   or a mix of labeled and unlabeled rows; and for an empty list.
 * @example
 * const source = listFileSource('splits/train.csv'); // rows like `alice/001.jpg,alice`
 */
export function listFileSource(file: string, options: ListFileOptions = {}): ImageSource {
  const fn = 'listFileSource';
  const listPath = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(listPath, 'utf8');
  } catch {
    throw new DataError(`${fn}: list file '${listPath}' does not exist or cannot be read`);
  }
  const base = path.resolve(options.root ?? path.dirname(listPath));
  const paths: string[] = [];
  const rawLabels: string[] = [];
  let labeled: boolean | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const where = `${listPath}:${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const cut = Math.max(line.lastIndexOf(','), line.lastIndexOf('\t'));
    const file = (cut >= 0 ? line.slice(0, cut) : line).trim();
    const label = cut >= 0 ? line.slice(cut + 1).trim() : undefined;
    if (file === '' || label === '') {
      throw new DataError(
        `${fn}: malformed row at ${where}: expected 'path[,label]', got '${line}'`,
      );
    }
    if (labeled === undefined) labeled = label !== undefined;
    else if (labeled !== (label !== undefined)) {
      throw new DataError(
        `${fn}: row at ${where} ${labeled ? 'lacks' : 'has'} a label, unlike the rows before it`,
      );
    }
    const full = path.resolve(base, file);
    if (!fs.existsSync(full))
      throw new DataError(`${fn}: image '${full}' listed at ${where} does not exist`);
    paths.push(full);
    if (label !== undefined) rawLabels.push(label);
  });
  if (paths.length === 0) throw new DataError(`${fn}: list file '${listPath}' lists no images`);
  if (!labeled) return { paths, root: listPath };
  if (rawLabels.every((l) => /^\d+$/.test(l))) {
    const labels = rawLabels.map(Number);
    const classes = Math.max(...labels) + 1;
    const classNames = Array.from({ length: classes }, (_, k) => String(k));
    return { paths, labels, classNames, root: listPath };
  }
  const classNames = [...new Set(rawLabels)].sort();
  const index = new Map(classNames.map((name, k) => [name, k]));
  return {
    paths,
    labels: rawLabels.map((l) => index.get(l) as number),
    classNames,
    root: listPath,
  };
}
