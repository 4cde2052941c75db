/**
 * The one TensorFlow.js instance faceclr uses. Every module imports `tf` from here, so that the
 * backend registered by `initBackend` (wasm, cpu or tfjs-node-gpu's `tensorflow`) is the one all
 * code runs on. `@tensorflow/tfjs` (rather than tfjs-core alone) brings the gradients, the chained
 * ops, the cpu backend and the layers/converter formats used by `faceclr export`.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Tensor4D = tf.Tensor4D;

// The cpu backend greets Node users with advice to install tfjs-node on first use; faceclr
// chooses its backend itself (src/engine/backend.ts), so silence it.
const cpuBackend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
if (cpuBackend) cpuBackend.firstUse = false;
