/**
 * Reading a fine-tuning recipe: the same `extends` merge and `--set` overrides as pretraining
 * recipes (`load.ts`), validated against `FinetuneRecipeSchema`, then the registry-dependent
 * checks (backbone name, augmentation overrides giving exactly one view). `loadAnyRecipe`
 * dispatches on the `task` field, so `recipe check` validates both kinds.
 */
import { AugmentConfigError, resolveAugmentConfig, type AugmentPresetName } from '../augment';
import { RecipeError, describeValue } from './errors';
import { FINETUNE_TASK, FinetuneRecipeSchema, type FinetuneRecipe } from './finetune_schema';
import {
  backboneProblems,
  loadRecipe,
  parseRecipeSchema,
  readRecipeFile,
  type LoadRecipeOptions,
} from './load';
import { expectsString, mergeRecipes, parseSet, setPath, setValue } from './overrides';
import { defaultRegistries } from './registries';
import type { PretrainRecipe } from './schema';

type Json = Record<string, unknown>;

/** Whether a merged raw recipe is a fine-tuning one (`"task": "finetune"`). */
export function isFinetuneRaw(raw: Json): boolean {
  return raw.task === FINETUNE_TASK;
}

/** `--set key.path=value` on a raw fine-tuning recipe, typed by `FinetuneRecipeSchema`. */
export function applyFinetuneSets(raw: Json, sets: readonly string[]): Json {
  const out = mergeRecipes({}, raw);
  for (const expression of sets) {
    const { path: keyPath, text } = parseSet(expression);
    setPath(out, keyPath, setValue(text, expectsString(FinetuneRecipeSchema, keyPath)));
  }
  return out;
}

/**
 * Validates a merged raw fine-tuning recipe.
 * @throws RecipeError listing every problem as `<path> <expectation>, got <value>`.
 */
export function resolveFinetuneRecipe(
  raw: Json,
  where = 'recipe',
  options: LoadRecipeOptions = {},
): FinetuneRecipe {
  const registries = options.registries ?? defaultRegistries();
  const fail = (problems: string[]): never => {
    throw new RecipeError(`${where}: ${problems.join('; ')}`, problems);
  };
  const recipe = parseRecipeSchema(FinetuneRecipeSchema, raw, where) as FinetuneRecipe;
  const problems = backboneProblems(registries, recipe.backbone.name);
  try {
    const config = resolveAugmentConfig(
      recipe.augment.preset as AugmentPresetName,
      recipe.augment.overrides,
    );
    const views = config.views.reduce((n, v) => n + v.count, 0);
    if (views !== 1) {
      problems.push(`augment.overrides must give exactly one view for fine-tuning, got ${views}`);
    }
  } catch (e) {
    if (!(e instanceof AugmentConfigError)) throw e;
    const detail = e.message
      .replace(/^[A-Za-z.]+: /, '')
      .replace(/\baugment\./g, 'augment.overrides.');
    problems.push(...detail.split('; '));
  }
  const { lfwTrainFolds } = recipe.data;
  const overlap = (recipe.eval.folds ?? []).filter((f) => lfwTrainFolds?.includes(f));
  if (overlap.length > 0) {
    problems.push(
      `eval.folds must not include a training fold (data.lfwTrainFolds), got ${describeValue(overlap)}`,
    );
  }
  if (lfwTrainFolds && lfwTrainFolds.length === 10 && recipe.eval.folds === null) {
    problems.push('data.lfwTrainFolds must leave at least one LFW fold for evaluation, got all 10');
  }
  if (problems.length > 0) fail(problems);
  return recipe;
}

/**
 * Reads, merges, overrides and validates a fine-tuning recipe file.
 *
 * @param sets `key.path=value` overrides, e.g. `['margin.scale=32']`.
 * @throws RecipeError naming the file and each invalid path, or when the file is not a
 *   fine-tuning recipe (no `"task": "finetune"`).
 * @example
 * const recipe = loadFinetuneRecipe('recipes/finetune/arcface-cpu.json', ['train.steps=100']);
 */
export function loadFinetuneRecipe(
  file: string,
  sets: readonly string[] = [],
  options: LoadRecipeOptions = {},
): FinetuneRecipe {
  const raw = applyFinetuneSets(readRecipeFile(file), sets);
  if (!isFinetuneRaw(raw)) {
    throw new RecipeError(
      `recipe '${file}': task must be '${FINETUNE_TASK}' for fine-tuning, got ${describeValue(raw.task)} (is it a pretraining recipe?)`,
    );
  }
  return resolveFinetuneRecipe(raw, `recipe '${file}'`, options);
}

/** A resolved recipe of either kind. */
export type AnyRecipe = PretrainRecipe | FinetuneRecipe;

/**
 * Loads a pretraining or a fine-tuning recipe, as its `task` field says.
 * @throws RecipeError as `loadRecipe` / `loadFinetuneRecipe`.
 */
export function loadAnyRecipe(
  file: string,
  sets: readonly string[] = [],
  options: LoadRecipeOptions = {},
): AnyRecipe {
  return isFinetuneRaw(readRecipeFile(file))
    ? loadFinetuneRecipe(file, sets, options)
    : loadRecipe(file, sets, options);
}
