/**
 * The people of LFW folds, for identity-disjoint supervised fine-tuning: View 2's folds share no
 * person, so a model may be trained with labels on the people of some folds and verified on the
 * pairs of the others. Training on a person of a test fold is a leak; `lfwTrainingSource` refuses
 * the people of `excludeFolds` even when they also appear in a training fold.
 */
import { DataError } from './errors';
import { identityFolderSource } from './folder_sources';
import type { ImageSource } from './image_source';
import type { LfwPair, LfwPairs } from './lfw_pairs';

function checkFolds(fn: string, pairs: LfwPairs, folds: readonly number[]): void {
  for (const f of folds) {
    if (!Number.isInteger(f) || f < 0 || f >= pairs.folds.length) {
      throw new DataError(
        `${fn}: folds must hold integers in [0, ${pairs.folds.length}), got ${f}`,
      );
    }
  }
}

/** The sorted names of everyone who appears in a pair of the given folds (0-based). */
export function lfwFoldPeople(pairs: LfwPairs, folds: readonly number[]): string[] {
  checkFolds('lfwFoldPeople', pairs, folds);
  const people = new Set<string>();
  for (const f of folds) {
    for (const p of pairs.folds[f]) {
      people.add(p.nameA);
      people.add(p.nameB);
    }
  }
  return [...people].sort();
}

/** The pairs of the given folds (0-based), in fold order. */
export function lfwFoldPairs(pairs: LfwPairs, folds: readonly number[]): LfwPair[] {
  checkFolds('lfwFoldPairs', pairs, folds);
  return folds.flatMap((f) => pairs.folds[f]);
}

export interface LfwTrainingOptions {
  /** Folds whose people must not appear in training (e.g. the test folds). */
  excludeFolds?: readonly number[];
  /** Keep only people with at least this many images (default 1). */
  minImagesPerIdentity?: number;
}

/**
 * A labeled source of all images (from `pairs.imagesRoot`) of the people of `trainFolds`.
 *
 * @throws DataError for a bad fold number or when no image remains.
 * @example
 * const pairs = readLfwPairs('data/lfw/pairs.txt');
 * const train = lfwTrainingSource(pairs, [0, 1, 2, 3, 4], { excludeFolds: [5, 6, 7, 8, 9] });
 */
export function lfwTrainingSource(
  pairs: LfwPairs,
  trainFolds: readonly number[],
  options: LfwTrainingOptions = {},
): ImageSource {
  const excluded = new Set(lfwFoldPeople(pairs, options.excludeFolds ?? []));
  const people = lfwFoldPeople(pairs, trainFolds).filter((name) => !excluded.has(name));
  if (people.length === 0) {
    throw new DataError(
      `lfwTrainingSource: trainFolds [${trainFolds.join(', ')}] leave no person after exclusions`,
    );
  }
  return identityFolderSource(pairs.imagesRoot, {
    identities: people,
    minImagesPerIdentity: options.minImagesPerIdentity,
  });
}
