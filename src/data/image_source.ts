/**
 * The common shape of every image source, and the file-system helpers the sources share.
 *
 * A source is only a list of files (and optional labels); decoding happens later, once, in the
 * cache (`buildCache`). Paths are absolute and sorted so that the same folder always gives the
 * same order, whatever the file system returns.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';

/** A list of image files with optional integer labels (identities). */
export interface ImageSource {
  /** Absolute image paths. */
  paths: string[];
  /** One label per path, in `[0, classNames.length)`; absent for unlabeled data. */
  labels?: number[];
  /** The name of each label (e.g. the identity folder name). */
  classNames?: string[];
  /** The folder or file the source was read from; it names the cache (default: derived from paths). */
  root?: string;
}

/** File extensions (lower case) the data layer tries to decode. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = Object.freeze(
  new Set(['.jpg', '.jpeg', '.png', '.webp', '.pgm', '.ppm', '.pnm', '.tif', '.tiff', '.gif']),
) as ReadonlySet<string>;

/** Whether `file` has one of the `IMAGE_EXTENSIONS` (case-insensitive). */
export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/**
 * Throws a `DataError` unless `dir` exists and is a directory.
 * @param fn the public function to name in the message.
 */
export function assertDirectory(fn: string, argument: string, dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new DataError(`${fn}: ${argument} '${dir}' does not exist`);
  }
  if (!stat.isDirectory()) throw new DataError(`${fn}: ${argument} '${dir}' is not a directory`);
}

/** Image files under `dir`, at any depth, sorted; hidden files and folders are ignored. */
export function listImagesRecursive(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    const entries = fs.readdirSync(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && isImageFile(entry.name)) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

/** Throws a `DataError` when a source has no images, naming the function and the root. */
export function assertNotEmpty(fn: string, source: ImageSource, where: string): ImageSource {
  if (source.paths.length === 0) {
    throw new DataError(
      `${fn}: no images found in '${where}' (extensions: ${[...IMAGE_EXTENSIONS].join(' ')})`,
    );
  }
  return source;
}

/**
 * Checks that a source is consistent: labels (if any) match the paths in length and are integers
 * in `[0, classNames.length)` when class names are given.
 * @throws DataError naming `fn` and the first bad entry.
 */
export function validateSource(fn: string, source: ImageSource): void {
  if (!source || !Array.isArray(source.paths)) {
    throw new DataError(
      `${fn}: source.paths must be an array of file paths, got ${typeof source?.paths}`,
    );
  }
  if (source.paths.length === 0) throw new DataError(`${fn}: source is empty (0 paths)`);
  if (source.labels === undefined) return;
  if (source.labels.length !== source.paths.length) {
    throw new DataError(
      `${fn}: source.labels has ${source.labels.length} entries but source.paths has ${source.paths.length}`,
    );
  }
  const classes = source.classNames?.length;
  source.labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
      throw new DataError(
        `${fn}: source.labels[${i}] must be an integer in [0, ${classes ?? '∞'}), got ${label}`,
      );
    }
  });
}
