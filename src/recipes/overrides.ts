/**
 * Base-plus-override for recipes: the deep merge that `extends` uses, and `--set a.b=c`.
 *
 * Merge rules (the same as augmentation overrides): objects merge key by key; arrays of objects
 * merge by index; arrays of numbers or strings are replaced whole; `null` replaces (so
 * `"steps": null` unsets a base's value).
 *
 * `--set` values are typed by the schema: where the schema expects a string the text is kept as
 * it is (`--set data.path=2024`), elsewhere it is read as JSON when it parses (`64`, `true`,
 * `null`, `[0.2,1]`, `{"size":64}`) and kept as text otherwise.
 */
import cloneDeep from 'lodash/cloneDeep';
import mergeWith from 'lodash/mergeWith';
import type { z } from 'zod';
import { RecipeError } from './errors';

type Json = Record<string, unknown>;

function isPrimitiveArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
}

function customizer(objValue: unknown, srcValue: unknown): unknown {
  if (srcValue === null) return null;
  if (isPrimitiveArray(srcValue) || isPrimitiveArray(objValue)) return cloneDeep(srcValue);
  return undefined;
}

/** `override` deep-merged onto a copy of `base` (neither is changed). */
export function mergeRecipes(base: Json, override: Json): Json {
  return mergeWith(cloneDeep(base), cloneDeep(override), customizer);
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$|^\d+$/;

/** A `--set` parsed into its path and raw text. */
export interface SetExpression {
  path: string[];
  text: string;
}

/**
 * Parses `a.b.c=value`.
 * @throws RecipeError when there is no `=` or a path segment is not a name or an index.
 */
export function parseSet(expression: string): SetExpression {
  const cut = expression.indexOf('=');
  const key = cut < 0 ? '' : expression.slice(0, cut).trim();
  const path = key.split('.');
  if (cut < 0 || key === '' || !path.every((s) => SEGMENT.test(s))) {
    throw new RecipeError(
      `--set must be key.path=value (e.g. train.batch=32), got '${expression}'`,
    );
  }
  return { path, text: expression.slice(cut + 1) };
}

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

/** The schema at `path` inside `schema`, unwrapping optional/default/nullable/pipe wrappers. */
function schemaAt(schema: z.ZodType | undefined, path: string[]): z.ZodType[] {
  if (!schema) return [];
  const def = (schema as unknown as ZodInternals)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return schemaAt(def.innerType as z.ZodType, path);
    case 'pipe':
      return schemaAt(def.in as z.ZodType, path);
    case 'union':
      return (def.options as z.ZodType[]).flatMap((option) => schemaAt(option, path));
  }
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    return schemaAt((def.shape as Record<string, z.ZodType>)[head], rest);
  }
  if (def.type === 'record') return schemaAt(def.valueType as z.ZodType, rest);
  if (def.type === 'array') return schemaAt(def.element as z.ZodType, rest);
  return [];
}

/** Whether every schema found at `path` takes only strings (string, enum of strings). */
export function expectsString(schema: z.ZodType | undefined, path: string[]): boolean {
  const leaves = schemaAt(schema, path);
  return (
    leaves.length > 0 &&
    leaves.every((leaf) => {
      const def = (leaf as unknown as ZodInternals)._zod.def;
      if (def.type === 'string') return true;
      if (def.type === 'enum')
        return Object.values(def.entries as object).every((v) => typeof v === 'string');
      if (def.type === 'literal')
        return (def.values as unknown[]).every((v) => typeof v === 'string');
      return false;
    })
  );
}

/** The value of a `--set`: text where a string is expected, else JSON when it parses. */
export function setValue(text: string, asString: boolean): unknown {
  if (asString) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Writes `value` at `path` into `target` (mutated), creating objects (or arrays, for numeric
 * segments) on the way.
 * @throws RecipeError when a segment crosses a value that is not an object.
 */
export function setPath(target: Json, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (next === undefined || next === null) {
      node[segment] = /^\d+$/.test(path[i + 1]) ? [] : {};
    } else if (typeof next !== 'object') {
      throw new RecipeError(
        `--set ${path.join('.')}: ${path.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not an object`,
      );
    }
    node = node[segment] as Record<string, unknown>;
  });
}
