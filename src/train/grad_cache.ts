/**
 * GradCache (Gao, Zhang, Han & Callan, "Scaling Deep Contrastive Learning Batch Size under Memory
 * Limited Setup", RepL4NLP 2021): the exact gradient of a large-batch contrastive loss with the
 * activation memory of one chunk.
 *
 * A contrastive loss couples every sample of the batch only through the representations z. So:
 *   1. z = represent(chunk) for each chunk, without a tape (no activations kept)      [B,P] per view
 *   2. L(z) and g = ∂L/∂z over the whole batch (cheap: only the loss graph)
 *   3. for each chunk again, with a tape: ∂/∂θ Σ z_chunk·g_chunk (the surrogate), summed over chunks
 * Since ∂L/∂θ = Σ_i (∂z_i/∂θ)ᵀ g_i, step 3 gives exactly the full-batch parameter gradient.
 *
 * The framework provides the split as two hooks ({@link RepresentationHooks}): `represent(views)`
 * (the networks) and `lossFromRepresentations(z)` (the loss, which must not use trainable
 * variables itself — SimCLR's and SupCon's do not).
 *
 * Caveats:
 * - Batch norm sees one chunk at a time, in both passes: normalisation statistics are per chunk, so
 *   the gradient equals the full-batch gradient of a network whose BN runs per chunk (as on
 *   `B/chunk` devices without SyncBN), not of a full-batch-BN network. The running statistics are
 *   restored after pass 1 and updated once per chunk in pass 3.
 * - The forward must be deterministic (no dropout): pass 3 must reproduce pass 1's z.
 */
import { tf } from '../engine/tf';
import type { Framework, StepContext } from '../frameworks/base';

/** The optional framework hooks GradCache needs (SimCLR, SupCon). */
export interface RepresentationHooks {
  /** The representations the loss compares, one [B,P] per view, for a (chunk of a) batch. */
  represent(views: tf.Tensor4D[], ctx: StepContext): tf.Tensor2D[];
  /** The loss of the full batch's representations (as `loss` computes after `represent`). */
  lossFromRepresentations(representations: tf.Tensor2D[], ctx: StepContext): tf.Scalar;
}

/** Whether `framework` implements {@link RepresentationHooks}. */
export function supportsGradCache(
  framework: Framework,
): framework is Framework & RepresentationHooks {
  const f = framework as Partial<RepresentationHooks>;
  return typeof f.represent === 'function' && typeof f.lossFromRepresentations === 'function';
}

function chunkViews(views: tf.Tensor4D[], start: number, size: number): tf.Tensor4D[] {
  return views.map((v) => tf.slice(v, [start, 0, 0, 0], [size, -1, -1, -1]));
}

/**
 * The loss and the gradients of `variables`, computed chunk by chunk (see the file comment).
 *
 * @param views the views of one batch, [B,S,S,3] each (sizes may differ between views).
 * @param variables the trainable variables by name (as `fw.trainableVariables()`).
 * @param chunkSize images per chunk (the last chunk may be smaller), ≥ 1.
 * @returns the loss and gradients by variable name, as `tf.variableGrads` does; the caller
 *   disposes both.
 * @throws Error naming `gradCacheGrads` for a bad chunk size or a framework without the hooks.
 * @example
 * const { value, grads } = gradCacheGrads(fw, views, ctx, fw.trainableVariables(), 16);
 */
export function gradCacheGrads(
  framework: Framework,
  views: tf.Tensor4D[],
  ctx: StepContext,
  variables: Record<string, tf.Variable>,
  chunkSize: number,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const fn = 'gradCacheGrads';
  if (!supportsGradCache(framework)) {
    throw new Error(
      `${fn}: framework '${framework.name}' has no represent/lossFromRepresentations hooks (GradCache supports SimCLR and SupCon)`,
    );
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new Error(`${fn}: chunkSize must be an integer ≥ 1, got ${chunkSize}`);
  }
  const batch = views[0].shape[0];
  const starts: number[] = [];
  for (let s = 0; s < batch; s += chunkSize) starts.push(s);
  const sizeAt = (s: number) => Math.min(chunkSize, batch - s);

  // Pass 1: representations without a tape; keep the running statistics as they were.
  const trainable = new Set(Object.values(variables));
  const frozen = Object.values(framework.allVariables()).filter((v) => !trainable.has(v));
  const saved = frozen.map((v) => tf.clone(v));
  const perChunk = starts.map((s) =>
    tf.tidy(() => framework.represent(chunkViews(views, s, sizeAt(s)), ctx)),
  );
  frozen.forEach((v, i) => v.assign(saved[i]));
  tf.dispose(saved);

  // Pass 2: the loss and its gradient with respect to the representations.
  const viewCount = perChunk[0].length;
  const full = Array.from({ length: viewCount }, (_, v) =>
    tf.concat(
      perChunk.map((reps) => reps[v]),
      0,
    ),
  ) as tf.Tensor2D[];
  perChunk.forEach((reps) => tf.dispose(reps));
  const { value, grads: repGrads } = tf.valueAndGrads((...reps: tf.Tensor[]) =>
    framework.lossFromRepresentations(reps as tf.Tensor2D[], ctx),
  )(full);
  tf.dispose(full);

  // Pass 3: per chunk, backpropagate the cached representation gradients.
  const grads: Record<string, tf.Tensor> = {};
  const varList = Object.values(variables);
  try {
    for (const s of starts) {
      const size = sizeAt(s);
      const partial = tf.tidy(() => {
        const upstream = repGrads.map((g) => tf.slice(g, [s, 0], [size, -1]));
        return tf.variableGrads(() => {
          const reps = framework.represent(chunkViews(views, s, size), ctx);
          const terms = reps.map((z, v) => tf.sum(tf.mul(z, upstream[v])));
          return tf.addN(terms) as tf.Scalar;
        }, varList);
      });
      partial.value.dispose();
      for (const [name, g] of Object.entries(partial.grads)) {
        if (grads[name]) {
          const sum = tf.add(grads[name], g);
          grads[name].dispose();
          g.dispose();
          grads[name] = sum;
        } else grads[name] = g;
      }
    }
  } catch (error) {
    tf.dispose(Object.values(grads));
    value.dispose();
    throw error;
  } finally {
    tf.dispose(repGrads);
  }
  return { value: value as tf.Scalar, grads };
}
