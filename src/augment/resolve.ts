/**
 * Base-plus-override for augmentation configs: a named preset deep-merged with a recipe's
 * overrides, then validated by `AugmentConfigSchema`.
 *
 * Merge rules: objects merge key by key; `views` (an array of objects) merges by index, so
 * `{ views: [{ size: 64 }] }` changes only the first view group; arrays of numbers (`scale`,
 * `sigma`, `mean`, ...) are replaced whole; `null` replaces (e.g. `normalize: null`).
 */
import mergeWith from 'lodash/mergeWith';
import cloneDeep from 'lodash/cloneDeep';
import { AugmentConfigSchema, type AugmentConfig } from './schema';
import { AUGMENT_PRESETS, AUGMENT_PRESET_NAMES, type AugmentPresetName } from './presets';

/** A recursive partial of `T`, for overrides. Arrays of numbers stay whole. */
export type DeepPartial<T> = T extends number[]
  ? T
  : T extends (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> | null }
      : T;

export type AugmentOverrides = DeepPartial<AugmentConfig>;

export class AugmentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AugmentConfigError';
  }
}

function isNumberArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null);
}

function mergeCustomizer(objValue: unknown, srcValue: unknown): unknown {
  if (srcValue === null) return null;
  if (isNumberArray(srcValue) || isNumberArray(objValue)) return cloneDeep(srcValue);
  return undefined; // lodash's default deep merge
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * Validates a complete config against `AugmentConfigSchema`.
 * @throws AugmentConfigError listing every problem as `augment.<path> <message>, got <value>`.
 */
export function validateAugmentConfig(
  config: unknown,
  fn = 'validateAugmentConfig',
): AugmentConfig {
  const parsed = AugmentConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = ['augment', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return `${path} has unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    return `${path} ${issue.message}, got ${describe(valueAt(config, issue.path))}`;
  });
  throw new AugmentConfigError(`${fn}: ${problems.join('; ')}`);
}

/**
 * A preset deep-merged with overrides and validated; a fresh object the caller may mutate.
 *
 * @param preset a name from `AUGMENT_PRESETS` (`simclr`, `moco`, `byol`, `simsiam`, `swav`, `face`).
 * @param overrides recipe fields to change, e.g. `{ views: [{ size: 64, blur: { probability: 0 } }] }`.
 * @throws AugmentConfigError naming the preset, or each invalid path and its value.
 * @example
 * const config = resolveAugmentConfig('simclr', { views: [{ size: 64 }] });
 */
export function resolveAugmentConfig(
  preset: AugmentPresetName,
  overrides: AugmentOverrides = {},
): AugmentConfig {
  if (!Object.prototype.hasOwnProperty.call(AUGMENT_PRESETS, preset)) {
    throw new AugmentConfigError(
      `resolveAugmentConfig: preset must be one of ${AUGMENT_PRESET_NAMES.join(' | ')}, got '${String(preset)}'`,
    );
  }
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new AugmentConfigError(
      `resolveAugmentConfig: overrides must be an object, got ${describe(overrides)}`,
    );
  }
  const merged = mergeWith(
    cloneDeep(AUGMENT_PRESETS[preset]),
    cloneDeep(overrides),
    mergeCustomizer,
  );
  return validateAugmentConfig(merged, 'resolveAugmentConfig');
}
