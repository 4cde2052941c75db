/**
 * The labelled data of a fine-tuning run, and the LFW folds it is verified on.
 *
 * - `data.lfwTrainFolds` set: the images of every person of those View 2 folds (1-based), from
 *   the LFW folder `data.path` (`pairs.txt` + `images/`); evaluation uses the pairs of the other
 *   folds (or `eval.folds`).
 * - otherwise: the identity folders (or labelled list, or synthetic faces) at `data.path`; LFW
 *   evaluation only when `eval.lfwPairs` is set.
 *
 * Identity-disjointness is enforced, not assumed: a training identity whose name appears in a pair
 * of an evaluation fold is refused with an error naming the person and the fold (e.g. fine-tuning
 * on all of LFW's `images/` and verifying on LFW).
 */
import * as path from 'path';
import {
  DataError,
  identityFolderSource,
  lfwFoldPeople,
  lfwTrainingSource,
  listFileSource,
  readLfwPairs,
  type ImageSource,
  type LfwPairs,
} from '../data';
import type { FinetuneRecipe } from '../recipes/finetune_schema';
import { SYNTH_DATA } from '../recipes/schema';
import { dataSource } from '../train/setup';

/** The LFW verification a run ends with. */
export interface LfwEvalPlan {
  pairs: LfwPairs;
  /** Evaluation folds, 1-based. */
  folds: number[];
}

export interface FinetuneData {
  /** Labelled training images. */
  source: ImageSource;
  /** A readable name for the decoded cache (LFW subsets share a root, so they are named apart). */
  cacheName?: string;
  evaluation?: LfwEvalPlan;
}

/** The pairs file a recipe evaluates on, if any. */
function pairsFile(recipe: FinetuneRecipe): string | undefined {
  if (recipe.eval.lfwPairs !== null) return recipe.eval.lfwPairs;
  if (recipe.data.lfwTrainFolds !== null) return path.join(recipe.data.path, 'pairs.txt');
  return undefined;
}

/**
 * Throws when a training identity appears in a pair of an evaluation fold.
 * @throws DataError naming the first such people and their folds.
 */
export function assertIdentityDisjoint(
  trainNames: readonly string[],
  pairs: LfwPairs,
  evalFolds: readonly number[],
): void {
  const leaks: string[] = [];
  const names = new Set(trainNames);
  for (const fold of evalFolds) {
    for (const person of lfwFoldPeople(pairs, [fold - 1])) {
      if (names.has(person)) leaks.push(`'${person}' (fold ${fold})`);
    }
  }
  if (leaks.length > 0) {
    const more = leaks.length > 3 ? ` and ${leaks.length - 3} more` : '';
    throw new DataError(
      `finetune: the training data holds ${leaks.slice(0, 3).join(', ')}${more}, who appear in the LFW evaluation folds of ${pairs.file}; ` +
        'training on a person of a test fold is a leak (choose identity-disjoint folds or data)',
    );
  }
}

/**
 * The training source and evaluation plan of a recipe.
 * @throws DataError for missing data, unlabelled data, or an identity leak into the evaluation.
 */
export async function finetuneData(recipe: FinetuneRecipe): Promise<FinetuneData> {
  const { data } = recipe;
  const file = pairsFile(recipe);
  const pairs = file === undefined ? undefined : readLfwPairs(file);
  const trainFolds = data.lfwTrainFolds;
  const foldCount = pairs?.folds.length ?? 10;
  const evalFolds =
    recipe.eval.folds ??
    Array.from({ length: foldCount }, (_, i) => i + 1).filter((f) => !trainFolds?.includes(f));
  let source: ImageSource;
  let cacheName: string | undefined;
  if (trainFolds !== null) {
    const lfw = lfwTrainingSource(
      pairs!,
      trainFolds.map((f) => f - 1),
      { minImagesPerIdentity: data.minImagesPerIdentity },
    );
    // a subset of a shared root: name the cache by the subset, not by the folder
    source = { paths: lfw.paths, labels: lfw.labels, classNames: lfw.classNames };
    cacheName = `lfw-folds-${trainFolds.join('-')}`;
  } else if (data.path === SYNTH_DATA) {
    source = await dataSource(data);
  } else if (data.kind === 'list') {
    source = listFileSource(data.path);
  } else {
    source = identityFolderSource(data.path, { minImagesPerIdentity: data.minImagesPerIdentity });
  }
  if (!source.labels || !source.classNames) {
    throw new DataError(
      `finetune: data '${data.path}' has no identity labels; fine-tuning needs them`,
    );
  }
  if (!pairs) return { source, cacheName };
  assertIdentityDisjoint(source.classNames, pairs, evalFolds);
  return { source, cacheName, evaluation: { pairs, folds: evalFolds } };
}
