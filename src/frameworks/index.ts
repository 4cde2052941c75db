/**
 * The framework registry: a frozen literal map whose keys are the `FrameworkName` type (STYLE
 * principle 5). Each entry pairs a framework's options schema (the one place its defaults live)
 * with a factory; recipes name a framework and pass its options.
 *
 * | name | method | negatives | target | loss |
 * | --- | --- | --- | --- | --- |
 * | `simclr` | SimCLR (Chen et al. 2020) | in-batch | — | NT-Xent, or DCL/DCLW |
 * | `supcon` | SupCon (Khosla et al. 2020) | in-batch, other identities | — | SupCon L_out |
 * | `moco` | MoCo v2 / v3 (He et al. 2020; Chen et al. 2021) | queue (v2) / in-batch (v3) | EMA | InfoNCE |
 * | `byol` | BYOL (Grill et al. 2020) | none | EMA | negative cosine |
 * | `simsiam` | SimSiam (Chen & He 2021) | none | stop-gradient | negative cosine |
 * | `swav` | SwAV (Caron et al. 2020) | none (equal partition) | — | swapped prediction |
 *
 * @example
 * const options = FRAMEWORKS.moco.optionsSchema.parse({ queueSize: 8192 });
 * const fw = FRAMEWORKS.moco.create(options, { backbone, seed: 0 });
 */
import type { z } from 'zod';
import type { Framework, FrameworkContext } from './base';
import { ByolFramework, ByolOptionsSchema } from './byol';
import { MocoFramework, MocoOptionsSchema } from './moco';
import { SimClrFramework, SimClrOptionsSchema } from './simclr';
import { SimSiamFramework, SimSiamOptionsSchema } from './simsiam';
import { SupConFramework, SupConOptionsSchema } from './sup_con';
import { SwavFramework, SwavOptionsSchema } from './swav';

/** A registry entry: the options schema and a factory that validates options and builds. */
export interface FrameworkEntry<S extends z.ZodType, F extends Framework> {
  /** Validates options and fills in defaults (zod); `create` applies it itself. */
  readonly optionsSchema: S;
  /** @throws FrameworkOptionsError naming `<name>.<path>` and the value for invalid options. */
  create(options: z.input<S>, context: FrameworkContext): F;
}

const simclr: FrameworkEntry<typeof SimClrOptionsSchema, SimClrFramework> = {
  optionsSchema: SimClrOptionsSchema,
  create: (options, context) => new SimClrFramework(options, context),
};
const supcon: FrameworkEntry<typeof SupConOptionsSchema, SupConFramework> = {
  optionsSchema: SupConOptionsSchema,
  create: (options, context) => new SupConFramework(options, context),
};
const moco: FrameworkEntry<typeof MocoOptionsSchema, MocoFramework> = {
  optionsSchema: MocoOptionsSchema,
  create: (options, context) => new MocoFramework(options, context),
};
const byol: FrameworkEntry<typeof ByolOptionsSchema, ByolFramework> = {
  optionsSchema: ByolOptionsSchema,
  create: (options, context) => new ByolFramework(options, context),
};
const simsiam: FrameworkEntry<typeof SimSiamOptionsSchema, SimSiamFramework> = {
  optionsSchema: SimSiamOptionsSchema,
  create: (options, context) => new SimSiamFramework(options, context),
};
const swav: FrameworkEntry<typeof SwavOptionsSchema, SwavFramework> = {
  optionsSchema: SwavOptionsSchema,
  create: (options, context) => new SwavFramework(options, context),
};

export const FRAMEWORKS = Object.freeze({ simclr, supcon, moco, byol, simsiam, swav });
export type FrameworkName = keyof typeof FRAMEWORKS;
export const FRAMEWORK_NAMES = Object.freeze(Object.keys(FRAMEWORKS) as FrameworkName[]);

/** Whether `name` is a registered framework. */
export function isFrameworkName(name: string): name is FrameworkName {
  return Object.prototype.hasOwnProperty.call(FRAMEWORKS, name);
}

/**
 * Builds the named framework from unvalidated options (a recipe's).
 * @throws Error listing the names for an unknown framework; FrameworkOptionsError for bad options.
 * @example
 * const fw = createFramework('byol', { momentum: { base: 0.996 } }, { backbone, seed: 0 });
 */
export function createFramework(
  name: string,
  options: unknown,
  context: FrameworkContext,
): Framework {
  if (!isFrameworkName(name)) {
    throw new Error(
      `createFramework: unknown framework '${name}', expected one of ${FRAMEWORK_NAMES.join(' | ')}`,
    );
  }
  return (FRAMEWORKS[name].create as (o: unknown, c: FrameworkContext) => Framework)(
    options,
    context,
  );
}

export { Framework, variablesByName } from './base';
export type { FrameworkContext, FrameworkState, MomentumPair, StepContext } from './base';
export { FrameworkOptionsError } from './options';
export { cosineMomentum, momentumAt, updateMomentum } from './momentum';
export { TargetNetwork } from './target_network';
export {
  ByolFramework,
  MocoFramework,
  SimClrFramework,
  SimSiamFramework,
  SupConFramework,
  SwavFramework,
};
