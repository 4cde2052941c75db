/**
 * The registries a recipe names things from: frameworks (with their option schemas) and
 * backbones. Recipes and the trainer take them as a parameter so that tests can pass a stub
 * framework; by default they are faceclr's own `FRAMEWORKS` and `BACKBONES`.
 */
import type { z } from 'zod';
import { FRAMEWORKS } from '../frameworks';
import type { Framework } from '../frameworks/base';
import type { Backbone } from '../models/backbone';
import { BACKBONES, type BackboneFactory } from '../models/registry';

/** One entry of `FRAMEWORKS`: its options schema and a factory. */
export interface FrameworkEntry {
  /** Validates (and fills the defaults of) the recipe's `framework` fields other than `name`. */
  readonly optionsSchema: z.ZodType;
  create(options: never, deps: { backbone: Backbone; seed: number | string }): Framework;
}

export type FrameworkRegistry = Readonly<Record<string, FrameworkEntry>>;
export type BackboneRegistry = Readonly<Record<string, BackboneFactory>>;

export interface Registries {
  frameworks: FrameworkRegistry;
  backbones: BackboneRegistry;
}

/** faceclr's registries: `FRAMEWORKS` and `BACKBONES`. */
export function defaultRegistries(): Registries {
  return { frameworks: FRAMEWORKS, backbones: BACKBONES };
}

/** Whether `registry` has its own key `name`. */
export function hasEntry(registry: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(registry, name);
}
