/**
 * `UnsortedSegmentSum` for the wasm backend (the gradient of `gather`), as a loop over the heap.
 *
 *   out[k, ...] = sum_{i : ids[i] = k} x[i, ...],   k in [0, numSegments)
 *
 * Ids outside `[0, numSegments)` are dropped, as in TensorFlow. The loop touches each element of x
 * once, which beats a one-hot matMul for the sizes gather gradients see (class-weight rows,
 * embedding lookups).
 */
import { tf } from '../tf';
import { WasmBackendLike } from './wasm_ops';

/**
 * @param args.inputs.x `[...idsShape, ...inner]` float32 or int32.
 * @param args.inputs.segmentIds `idsShape` int32 (a prefix of x's shape).
 * @param args.attrs.numSegments a non-negative integer.
 * @returns `[numSegments, ...inner]`, dtype of x.
 * @throws naming the kernel and argument for a bad dtype, shape or numSegments.
 */
export function unsortedSegmentSum(args: {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, segmentIds } = args.inputs;
  const numSegments = args.attrs.numSegments as number;
  const backend = args.backend as WasmBackendLike;
  const name = 'UnsortedSegmentSum';
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${name}: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`${name}: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`${name}: x must be float32 or int32, got ${x.dtype}`);
  }
  const idsRank = segmentIds.shape.length;
  if (x.shape.slice(0, idsRank).join() !== segmentIds.shape.join()) {
    throw new Error(
      `${name}: segmentIds shape [${segmentIds.shape}] must prefix x shape [${x.shape}]`,
    );
  }
  const innerShape = x.shape.slice(idsRank);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  // Read the inputs after makeOutput: a heap growth would detach earlier views.
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const sums = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i];
    if (k < 0 || k >= numSegments) continue;
    const src = i * inner;
    const dst = k * inner;
    for (let j = 0; j < inner; j++) sums[dst + j] += xs[src + j];
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
