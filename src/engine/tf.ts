/**
 * The one TensorFlow.js instance faceclr uses. Every module imports `tf` from here, so that the
 * backend registered by `initBackend` (wasm, cpu or tfjs-node-gpu's `tensorflow`) is the one all
 * code runs on.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Tensor4D = tf.Tensor4D;
