/**
 * `faceclr recipe show <recipe>` prints a recipe fully resolved (extends, --set, every default,
 * the framework's options); `faceclr recipe check [dir]` validates every recipe under a folder.
 */
import { Command } from 'commander';
import * as path from 'path';
import { checkRecipes, loadAnyRecipe, recipeHash, RecipeError } from '../../recipes';
import { UsageError } from '../errors';
import { info, printJson } from '../output';
import { collectSets } from '../args';

function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RecipeError) throw new UsageError(e.message);
    throw e;
  }
}

export function recipeCommand(): Command {
  const recipe = new Command('recipe').description('show and validate pretraining recipes');
  recipe
    .command('show')
    .description('print a recipe fully resolved (JSON on stdout, its hash on stderr)')
    .argument('<recipe>', 'recipe JSON file')
    .option('--set <key=value>', 'override a recipe field (repeatable)', collectSets, [])
    .action((file: string, opts) => {
      const resolved = asUsage(() => loadAnyRecipe(file, opts.set));
      printJson(resolved);
      info(`recipe hash ${recipeHash(resolved)}`);
    });
  recipe
    .command('check')
    .description('validate every *.json recipe under a folder (exit 2 if any is invalid)')
    .argument('[dir]', 'folder to search', 'recipes')
    .option('--json', 'print machine-readable results only')
    .action((dir: string, opts) => {
      const results = asUsage(() => checkRecipes(dir));
      const bad = results.filter((r) => !r.ok);
      if (opts.json) printJson(results);
      else {
        for (const r of results) {
          const name = path.relative(process.cwd(), r.file);
          process.stdout.write(
            r.ok
              ? `ok       ${name}\n`
              : `invalid  ${name}\n${r.problems!.map((p) => `         - ${p}\n`).join('')}`,
          );
        }
      }
      if (bad.length > 0)
        throw new UsageError(`${bad.length} of ${results.length} recipes are invalid`);
    });
  return recipe;
}
