/**
 * faceclr's training kernels for the wasm backend. Each module exports a `KernelConfig`; this
 * index registers them all (replacing stock kernels where ours are faster).
 */
import { tf } from '../tf';
import { batchNormTrainConfig, batchNormTrainGradConfig } from './batch_norm_train';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input';
import { depthwiseBackpropFilterConfig } from './depthwise_backprop_filter';
import { depthwiseBackpropInputConfig } from './depthwise_backprop_input';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';
import { maxPoolGradConfig } from './max_pool_grad';

const KERNELS: tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
  maxPoolGradConfig,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
];

let registered = false;

/** Registers faceclr's wasm kernels once; later calls do nothing. */
export function registerTrainingKernels(): void {
  if (registered) return;
  registered = true;
  // Importing the wasm package registers its stock kernels; do it first, so that ours replace
  // them rather than being silently replaced when a caller imports the package afterwards.
  require('@tensorflow/tfjs-backend-wasm');
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
