/**
 * Sources read from folders: an identity-folder dataset (`root/<identity>/<image>`, the label of an
 * image is its folder) and a flat unlabeled folder (images at any depth, folder names ignored).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  type ImageSource,
  assertDirectory,
  assertNotEmpty,
  isImageFile,
  listImagesRecursive,
} from './image_source';

export interface IdentityFolderOptions {
  /** Keep only identities with at least this many images (default 1). */
  minImagesPerIdentity?: number;
  /** Keep only these identity folder names (e.g. the people of some LFW folds). */
  identities?: Iterable<string>;
}

/**
 * Reads `root/<identity>/<image>`: one label per identity folder, labels numbered in sorted folder
 * order. Images directly inside an identity folder count; deeper folders are ignored.
 *
 * @throws DataError when `root` is missing or no image is found.
 * @example
 * const source = identityFolderSource('data/lfw/images', { minImagesPerIdentity: 2 });
 */
export function identityFolderSource(
  root: string,
  options: IdentityFolderOptions = {},
): ImageSource {
  const fn = 'identityFolderSource';
  const dir = path.resolve(root);
  assertDirectory(fn, 'root', dir);
  const minImages = options.minImagesPerIdentity ?? 1;
  const keep = options.identities ? new Set(options.identities) : undefined;
  const folders = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && (!keep || keep.has(e.name)))
    .map((e) => e.name)
    .sort();
  const paths: string[] = [];
  const labels: number[] = [];
  const classNames: string[] = [];
  for (const name of folders) {
    const files = fs
      .readdirSync(path.join(dir, name), { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && isImageFile(e.name))
      .map((e) => path.join(dir, name, e.name))
      .sort();
    if (files.length === 0 || files.length < minImages) continue;
    const label = classNames.length;
    classNames.push(name);
    for (const file of files) {
      paths.push(file);
      labels.push(label);
    }
  }
  return assertNotEmpty(fn, { paths, labels, classNames, root: dir }, dir);
}

/**
 * Reads every image under `root` at any depth, without labels (for self-supervised pretraining).
 *
 * @throws DataError when `root` is missing or holds no image.
 * @example
 * const source = flatFolderSource('data/utkface/images');
 */
export function flatFolderSource(root: string): ImageSource {
  const fn = 'flatFolderSource';
  const dir = path.resolve(root);
  assertDirectory(fn, 'root', dir);
  return assertNotEmpty(fn, { paths: listImagesRecursive(dir), root: dir }, dir);
}
