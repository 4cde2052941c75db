/**
 * Option schemas shared by the frameworks (zod 4) and the one place their errors are worded.
 *
 * Each framework exports its own schema (`SimClrOptionsSchema`, ...) whose defaults are the only
 * defaults of that framework; the pieces here (heads, momentum) are reused so that, e.g., every
 * projector is described the same way. `parseFrameworkOptions` turns zod issues into one
 * {@link FrameworkOptionsError} that names each path and value, recipe style:
 * `moco.temperature must be > 0, got 0` (STYLE principle 8).
 */
import { z } from 'zod';

export class FrameworkOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameworkOptionsError';
  }
}

export const positive = z.number({ error: 'must be a number' }).gt(0, { error: 'must be > 0' });
export const count = (min: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be >= ${min}` });
export const unitInterval = z
  .number({ error: 'must be a number' })
  .min(0, { error: 'must be in [0, 1]' })
  .max(1, { error: 'must be in [0, 1]' });

/** Defaults of an MLP head (`MlpHeadConfig` minus the input size, which the framework knows). */
export interface HeadDefaults {
  hiddenFeatures: number;
  outFeatures: number;
  layers: number;
  batchNorm: boolean;
}

/** An MLP head's options with the given defaults: hidden/out sizes, dense layers, batch norm. */
export function headSchema(defaults: HeadDefaults) {
  return z
    .strictObject({
      /** Width of the hidden dense layers. */
      hiddenFeatures: count(1).default(defaults.hiddenFeatures),
      /** Output size of the head. */
      outFeatures: count(1).default(defaults.outFeatures),
      /** Dense layers, ≥ 1 (hidden ones are followed by [BN] + ReLU). */
      layers: count(1).default(defaults.layers),
      /** Batch norm after each hidden dense layer. */
      batchNorm: z.boolean({ error: 'must be a boolean' }).default(defaults.batchNorm),
    })
    .prefault({});
}

/** A predictor head: like {@link headSchema} but its output size is the projector's. */
export function predictorSchema(defaults: Omit<HeadDefaults, 'outFeatures'>) {
  return z
    .strictObject({
      hiddenFeatures: count(1).default(defaults.hiddenFeatures),
      layers: count(1).default(defaults.layers),
      batchNorm: z.boolean({ error: 'must be a boolean' }).default(defaults.batchNorm),
    })
    .prefault({});
}

/** The target network's momentum τ: its value at step 0 and how it rises to 1. */
export function momentumSchema(base: number) {
  return z
    .strictObject({
      /** τ_base in [0, 1]. */
      base: unitInterval.default(base),
      /** `cosine`: τ_base → 1 over the run (BYOL eq. in §3.2); `constant`: τ_base throughout. */
      schedule: z
        .enum(['cosine', 'constant'], { error: "must be 'cosine' | 'constant'" })
        .default('cosine'),
    })
    .prefault({});
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
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
 * Validates `options` against a framework's schema and fills in its defaults.
 *
 * @param framework the registry key, the first element of every path in the message.
 * @throws FrameworkOptionsError listing every problem as `<framework>.<path> <message>, got <value>`.
 * @example
 * const options = parseFrameworkOptions('simclr', SimClrOptionsSchema, { temperature: 0.2 });
 */
export function parseFrameworkOptions<S extends z.ZodType>(
  framework: string,
  schema: S,
  options: unknown,
): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = [framework, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return `${path} has unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    return `${path} ${issue.message}, got ${describe(valueAt(options, issue.path))}`;
  });
  throw new FrameworkOptionsError(problems.join('; '));
}
