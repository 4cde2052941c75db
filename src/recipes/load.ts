/**
 * Reading a recipe: follow `extends` (base-plus-override, deep merge), apply `--set` overrides,
 * validate against `PretrainRecipeSchema`, then check what depends on the registries (backbone
 * name, the framework's own options, the augmentation overrides). The result is fully resolved:
 * every default filled in, including the framework's.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { z } from 'zod';
import { AugmentConfigError, resolveAugmentConfig, type AugmentPresetName } from '../augment';
import { RecipeError, describeValue, formatIssues } from './errors';
import { expectsString, mergeRecipes, parseSet, setPath, setValue } from './overrides';
import { defaultRegistries, hasEntry, type Registries } from './registries';
import { PretrainRecipeSchema, type PretrainRecipe } from './schema';

type Json = Record<string, unknown>;

export interface LoadRecipeOptions {
  /** Registries to check names against (default faceclr's; tests pass stubs). */
  registries?: Registries;
}

function readJson(file: string, from?: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    const via = from ? ` (extended by '${from}')` : '';
    throw new RecipeError(`recipe '${file}'${via} does not exist or cannot be read`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RecipeError(`recipe '${file}' is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RecipeError(`recipe '${file}' must hold a JSON object, got ${describeValue(value)}`);
  }
  return value as Json;
}

/**
 * The raw recipe in `file` with its `extends` chain merged in (base first), `extends` removed.
 * @throws RecipeError for a missing or invalid file, a non-string `extends` or a cycle.
 */
export function readRecipeFile(file: string, seen: string[] = []): Json {
  const absolute = path.resolve(file);
  if (seen.includes(absolute)) {
    throw new RecipeError(`recipe 'extends' cycle: ${[...seen, absolute].join(' → ')}`);
  }
  const raw = readJson(absolute, seen[seen.length - 1]);
  const { extends: base, ...rest } = raw;
  if (base === undefined) return rest;
  if (typeof base !== 'string' || base === '') {
    throw new RecipeError(
      `recipe '${absolute}': extends must be a relative path to a recipe, got ${describeValue(base)}`,
    );
  }
  const basePath = path.resolve(path.dirname(absolute), base);
  return mergeRecipes(readRecipeFile(basePath, [...seen, absolute]), rest);
}

/** The schema `--set` values at `setPath` are typed by (the framework's, under `framework.`). */
function schemaFor(
  raw: Json,
  keyPath: string[],
  registries: Registries,
): [z.ZodType | undefined, string[]] {
  if (keyPath[0] === 'framework' && keyPath.length > 1 && keyPath[1] !== 'name') {
    const name = (raw.framework as Json | undefined)?.name ?? 'simclr';
    const entry =
      typeof name === 'string' && hasEntry(registries.frameworks, name)
        ? registries.frameworks[name]
        : undefined;
    return [entry?.optionsSchema, keyPath.slice(1)];
  }
  return [PretrainRecipeSchema, keyPath];
}

/**
 * Applies `--set key.path=value` expressions to a copy of `raw`, in order.
 * @throws RecipeError for a malformed expression.
 */
export function applySets(raw: Json, sets: readonly string[], registries: Registries): Json {
  const out = mergeRecipes({}, raw);
  for (const expression of sets) {
    const { path: keyPath, text } = parseSet(expression);
    const [schema, inner] = schemaFor(out, keyPath, registries);
    setPath(out, keyPath, setValue(text, expectsString(schema, inner)));
  }
  return out;
}

/**
 * Parses a merged raw recipe with its schema and drops `extends`.
 * @throws RecipeError listing every schema problem as `<path> <expectation>, got <value>`.
 */
export function parseRecipeSchema<T extends { extends?: unknown }>(
  schema: z.ZodType<T>,
  raw: Json,
  where: string,
): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues, raw);
    throw new RecipeError(`${where}: ${problems.join('; ')}`, problems);
  }
  const recipe = parsed.data;
  delete recipe.extends;
  return recipe;
}

/** The problem with `backbone.name`, if it is not in the registry. */
export function backboneProblems(registries: Registries, name: string): string[] {
  if (hasEntry(registries.backbones, name)) return [];
  return [
    `backbone.name must be one of ${Object.keys(registries.backbones).join(' | ')}, got ${describeValue(name)}`,
  ];
}

/**
 * Validates a merged raw recipe and resolves its registry-dependent parts.
 * @param where names the recipe in messages (a file, or `'recipe'`).
 * @throws RecipeError listing every problem as `<path> <expectation>, got <value>`.
 */
export function resolveRecipe(
  raw: Json,
  where = 'recipe',
  options: LoadRecipeOptions = {},
): PretrainRecipe {
  const registries = options.registries ?? defaultRegistries();
  const fail = (problems: string[]): never => {
    throw new RecipeError(`${where}: ${problems.join('; ')}`, problems);
  };
  const recipe = parseRecipeSchema(PretrainRecipeSchema, raw, where) as PretrainRecipe;
  const problems = backboneProblems(registries, recipe.backbone.name);
  const { name, ...frameworkOptions } = recipe.framework;
  if (!hasEntry(registries.frameworks, name)) {
    problems.push(
      `framework.name must be one of ${Object.keys(registries.frameworks).join(' | ')}, got ${describeValue(name)}`,
    );
  } else {
    const result = registries.frameworks[name].optionsSchema.safeParse(frameworkOptions);
    if (result.success) recipe.framework = { name, ...(result.data as object) };
    else problems.push(...formatIssues(result.error.issues, frameworkOptions, ['framework']));
  }
  try {
    resolveAugmentConfig(recipe.augment.preset as AugmentPresetName, recipe.augment.overrides);
  } catch (e) {
    if (!(e instanceof AugmentConfigError)) throw e;
    const detail = e.message
      .replace(/^[A-Za-z.]+: /, '')
      .replace(/\baugment\./g, 'augment.overrides.');
    problems.push(...detail.split('; '));
  }
  if (problems.length > 0) fail(problems);
  return recipe;
}

/**
 * Reads, merges, overrides and validates a recipe file.
 *
 * @param file a recipe JSON file; `extends` paths are relative to the file that names them.
 * @param sets `key.path=value` overrides applied after the merge, e.g. `['train.batch=32']`.
 * @throws RecipeError naming the file and each invalid path, its value and what was expected.
 * @example
 * const recipe = loadRecipe('recipes/pretrain/simclr-cpu.json', ['train.steps=100']);
 * recipe.train.batch; // 64
 */
export function loadRecipe(
  file: string,
  sets: readonly string[] = [],
  options: LoadRecipeOptions = {},
): PretrainRecipe {
  const registries = options.registries ?? defaultRegistries();
  const raw = applySets(readRecipeFile(file), sets, registries);
  return resolveRecipe(raw, `recipe '${file}'`, { registries });
}

/** JSON with object keys sorted, so equal recipes give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Json)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Json)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex, first 16 characters) of a resolved recipe's stable JSON. */
export function recipeHash(recipe: object): string {
  return createHash('sha256').update(stableStringify(recipe)).digest('hex').slice(0, 16);
}

/** Leaf paths where `a` and `b` differ, with both values, e.g. `train.batch: 64 → 32`. */
export function diffRecipes(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a as Json), ...Object.keys(b as Json)])].sort();
    return keys.flatMap((k) =>
      diffRecipes((a as Json)[k], (b as Json)[k], prefix ? `${prefix}.${k}` : k),
    );
  }
  return stableStringify(a) === stableStringify(b)
    ? []
    : [`${prefix || '(recipe)'}: ${describeValue(a)} → ${describeValue(b)}`];
}
