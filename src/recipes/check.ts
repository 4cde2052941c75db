/**
 * `checkRecipes(dir)`: resolves every recipe (`*.json`) under a folder, so a broken base or a
 * renamed option is caught before anyone trains with it (`faceclr recipe check`, and a test).
 */
import * as fs from 'fs';
import * as path from 'path';
import { RecipeError } from './errors';
import { loadAnyRecipe } from './finetune_load';
import { recipeHash, type LoadRecipeOptions } from './load';

/** The outcome for one recipe file. */
export interface RecipeCheck {
  file: string;
  ok: boolean;
  /** The resolved recipe's hash when valid. */
  hash?: string;
  /** Every problem when invalid. */
  problems?: string[];
}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJson(full));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

/**
 * Resolves every `*.json` under `dir` (at any depth) as a pretraining recipe, or a fine-tuning
 * one when it says `"task": "finetune"`.
 * @throws RecipeError when `dir` is not a folder or holds no recipe.
 * @example
 * const bad = checkRecipes('recipes').filter((r) => !r.ok);
 */
export function checkRecipes(dir: string, options: LoadRecipeOptions = {}): RecipeCheck[] {
  let files: string[];
  try {
    files = listJson(dir);
  } catch {
    throw new RecipeError(`checkRecipes: '${dir}' is not a readable folder`);
  }
  if (files.length === 0) throw new RecipeError(`checkRecipes: no *.json recipe under '${dir}'`);
  return files.map((file) => {
    try {
      return { file, ok: true, hash: recipeHash(loadAnyRecipe(file, [], options)) };
    } catch (e) {
      if (!(e instanceof RecipeError)) throw e;
      return { file, ok: false, problems: e.problems };
    }
  });
}
