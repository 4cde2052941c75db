/**
 * View plumbing shared by the frameworks: checking the `views` a framework receives, and running
 * equal-sized views through a network as one batch.
 *
 * Batching views: on wasm one [V·B,S,S,3] forward is markedly faster than V forwards of [B,S,S,3]
 * (larger GEMMs, fewer kernel launches). The cost is that batch norm then computes its statistics
 * over all V views of the batch at once instead of per view. For SimCLR, SimSiam, BYOL, MoCo v3
 * and SwAV this is what multi-GPU reference implementations do anyway (both views of a sample on
 * the same device); MoCo v2, whose query and key come from different encoders, is unaffected.
 */
import { tf } from '../engine/tf';

/**
 * Throws unless `views` is an array of at least `min` float32 [B,H,W,C] tensors with one batch
 * size B ≥ 2 (contrastive losses need a negative) and, for the first `sameSize` views, one shape.
 */
export function assertViews(
  views: unknown,
  fn: string,
  min: number,
  sameSize = min,
): asserts views is tf.Tensor4D[] {
  if (!Array.isArray(views) || views.length < min) {
    const got = Array.isArray(views) ? `${views.length} view(s)` : typeof views;
    throw new Error(`${fn}: views must be an array of at least ${min} tensors, got ${got}`);
  }
  views.forEach((v, i) => {
    if (!(v instanceof tf.Tensor) || v.rank !== 4 || v.dtype !== 'float32') {
      const got = v instanceof tf.Tensor ? `${v.dtype} [${v.shape}]` : typeof v;
      throw new Error(`${fn}: views[${i}] must be a float32 [B,H,W,C] tensor, got ${got}`);
    }
    if (v.shape[0] !== views[0].shape[0] || v.shape[0] < 2) {
      throw new Error(
        `${fn}: views[${i}] must have the batch size of views[0] (>= 2), got [${v.shape}] and [${views[0].shape}]`,
      );
    }
    if (i < sameSize && !tf.util.arraysEqual(v.shape, views[0].shape)) {
      throw new Error(
        `${fn}: views[${i}] must have the shape of views[0], got [${v.shape}] and [${views[0].shape}]`,
      );
    }
  });
}

/**
 * Runs views through `encode` in groups of consecutive equal shapes (all views when they share a
 * size; SwAV's global and local crops otherwise) and splits the outputs back per view.
 *
 * @param views V tensors [B,H_v,W_v,C].
 * @param encode a network [G·B,H,W,C] → [G·B,D] for a group of G views.
 * @returns V tensors [B,D], in the order of `views`.
 */
export function encodeViews(
  views: readonly tf.Tensor4D[],
  encode: (batch: tf.Tensor4D) => tf.Tensor2D,
): tf.Tensor2D[] {
  const out: tf.Tensor2D[] = [];
  let start = 0;
  while (start < views.length) {
    let end = start + 1;
    while (end < views.length && tf.util.arraysEqual(views[end].shape, views[start].shape)) end++;
    const group = views.slice(start, end);
    const encoded = encode(group.length === 1 ? group[0] : (tf.concat(group, 0) as tf.Tensor4D)); // [G·B,D]
    out.push(
      ...(group.length === 1 ? [encoded] : (tf.split(encoded, group.length, 0) as tf.Tensor2D[])),
    );
    start = end;
  }
  return out;
}
