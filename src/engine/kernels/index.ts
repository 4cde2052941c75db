/**
 * faceclr's training kernels for the wasm backend. Each module exports a `KernelConfig`; this
 * index registers them all (replacing stock kernels where ours are faster).
 */
import { tf } from '../tf';

const KERNELS: tf.KernelConfig[] = [];

let registered = false;

/** Registers faceclr's wasm kernels once; later calls do nothing. */
export function registerTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
