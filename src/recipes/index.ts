/**
 * Pretraining recipes: one typed schema (`schema.ts`), base-plus-override (`extends`, `--set`),
 * resolution against the framework and backbone registries, and checks over a recipe tree.
 */
export * from './schema';
export { RecipeError } from './errors';
export { mergeRecipes, parseSet } from './overrides';
export {
  applySets,
  diffRecipes,
  loadRecipe,
  readRecipeFile,
  recipeHash,
  resolveRecipe,
  stableStringify,
  type LoadRecipeOptions,
} from './load';
export { checkRecipes, type RecipeCheck } from './check';
export * from './finetune_schema';
export {
  applyFinetuneSets,
  isFinetuneRaw,
  loadAnyRecipe,
  loadFinetuneRecipe,
  resolveFinetuneRecipe,
  type AnyRecipe,
} from './finetune_load';
export {
  defaultRegistries,
  type FrameworkEntry,
  type FrameworkRegistry,
  type Registries,
} from './registries';
