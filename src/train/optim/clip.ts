/**
 * Gradient clipping over a `NamedTensorMap` of gradients. Both functions return new tensors the
 * caller owns and leave the inputs alone (dispose them yourself).
 */
import { tf } from '../../engine/tf';
import { checkPositive } from './checks';

/**
 * Rescales all gradients together so that their global L2 norm is at most `maxNorm` (Pascanu,
 * Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks", Algorithm 1;
 * TensorFlow's `clip_by_global_norm`): g ← g · maxNorm / max(‖G‖, maxNorm), where
 * ‖G‖ = √(Σ over all tensors of Σ g²). Gradients within the bound come back unchanged (as copies).
 * A non-finite norm makes every output non-finite, as in TensorFlow.
 *
 * @param grads gradients by variable name, any shapes.
 * @param maxNorm the bound, > 0.
 * @returns the clipped gradients (same keys) and the global norm before clipping.
 * @throws when maxNorm is not a finite number > 0.
 * @example
 * const { grads: clipped, norm } = clipByGlobalNorm(grads, 1.0);
 * optimizer.apply(clipped, variables, lr);
 * tf.dispose(Object.values(clipped));
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  checkPositive('clipByGlobalNorm', 'maxNorm', maxNorm);
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, norm: 0 };
  const normTensor = tf.tidy(() =>
    tf.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(tf.cast(grads[name], 'float32')))))),
  );
  const norm = normTensor.dataSync()[0];
  const clipped = tf.tidy(() => {
    const scale = tf.div(maxNorm, tf.maximum(normTensor, maxNorm));
    const out: Record<string, tf.Tensor> = {};
    for (const name of names) out[name] = tf.mul(grads[name], scale);
    return out;
  });
  normTensor.dispose();
  return { grads: clipped, norm };
}

/**
 * Clips every gradient element to [−maxValue, maxValue].
 *
 * @param grads gradients by variable name.
 * @param maxValue the bound, > 0.
 * @throws when maxValue is not a finite number > 0.
 * @example
 * const clipped = clipByValue(grads, 5);
 */
export function clipByValue(
  grads: Record<string, tf.Tensor>,
  maxValue: number,
): Record<string, tf.Tensor> {
  checkPositive('clipByValue', 'maxValue', maxValue);
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, grad] of Object.entries(grads))
      out[name] = tf.clipByValue(grad, -maxValue, maxValue);
    return out;
  });
}
