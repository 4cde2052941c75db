/** Backbones with non-trivial batch-norm statistics, saved as faceclr params folders. */
import { tf } from '../../src/engine/tf';
import type { Backbone } from '../../src/models/backbone';
import { createBackbone } from '../../src/models/registry';
import { saveParams } from '../../src/models/serialize';

/**
 * A registry backbone whose batch-norm statistics, β, γ and PReLU slopes are moved away from
 * their initial values (else inference batch norm is nearly the identity and a wrong copy of the
 * statistics would go unnoticed).
 */
export function perturbedBackbone(
  name: string,
  options: { seed?: number; width?: number; inputSize?: number } = {},
): Backbone {
  const backbone = createBackbone(name, {
    seed: options.seed ?? 1,
    width: options.width,
    inputSize: options.inputSize,
  });
  let k = 0;
  for (const [key, v] of backbone.params.variables) {
    k += 1;
    const shape = v.shape;
    tf.tidy(() => {
      const u = tf.randomUniform(shape, 0, 1, 'float32', k);
      if (/moving_mean|\/beta|\/alpha/.test(key)) v.assign(tf.add(v, tf.mul(tf.sub(u, 0.5), 0.4)));
      else if (/moving_variance|\/gamma/.test(key)) v.assign(tf.mul(v, tf.add(u, 0.5)));
    });
  }
  return backbone;
}

/** Saves `backbone` as `dir` (model.json format 'faceclr-params') with its registry name. */
export async function saveBackbone(backbone: Backbone, name: string, dir: string): Promise<void> {
  await saveParams(backbone.params, dir, { backbone: name, config: backbone.config });
}
