/**
 * Gradient blocking for tfjs, which has no `tf.stopGradient`.
 *
 * - {@link stopGradient}`(x)` is the identity in the forward pass and returns a zero gradient for
 *   `x` (a `tf.customGrad` op), like `torch.Tensor.detach()` / `tf.stop_gradient`. `tf.grad` with
 *   respect to `x` through it is 0, not an error.
 * - {@link detached}`(fn)` runs `fn` as one custom op with no inputs: none of the ops inside are
 *   recorded on the gradient tape, so `fn` may use kernels that have no gradient (TopK, Gather,
 *   comparisons) on tensors that depend on trainable variables. Its output carries no gradient.
 *
 * Both work on every backend: they only add tape bookkeeping, no kernels.
 */
import { tf } from '../engine/tf';

const identityWithZeroGrad = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * The identity with a zero gradient (BYOL/SimSiam's stop-gradient on the target branch).
 *
 * @param x any tensor.
 * @returns a new tensor with `x`'s values; gradients flowing into it stop here.
 * @example
 * const target = stopGradient(projection); // tf.grad(...) wrt projection through `target` is 0
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithZeroGrad(x) as T;
}

/**
 * Runs `fn` off the gradient tape and returns its output as a constant.
 *
 * @param fn builds a tensor (masks, Sinkhorn targets, synthetic negatives); intermediates are
 *   disposed (`fn` runs inside a tidy scope).
 * @example
 * const hardest = detached(() => tf.topk(logits, 5).values); // TopK has no gradient kernel
 */
export function detached<T extends tf.Tensor>(fn: () => T): T {
  return tf.customGrad(() => ({ value: fn(), gradFunc: () => [] }))() as T;
}
