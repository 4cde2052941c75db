/**
 * Calling the wasm backend's own kernels from inside a faceclr kernel.
 *
 * A kernel function receives `TensorInfo`s, not `Tensor`s, and must not go back through the
 * engine (that would record on the gradient tape and count tensors). `WasmOps` runs stock wasm
 * kernels (XNNPACK Conv2D, BatchMatMul, Transpose, PadV2, Slice, ...) by name and keeps every
 * intermediate it makes, so that `disposeIntermediates()` can free them all except the output.
 *
 * @example
 * const ops = new WasmOps(backend);
 * const xT = ops.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
 * const out = ops.run('Conv2D', { x: xT, filter: dy }, { ... });
 * ops.disposeIntermediates(out);
 * return out;
 */
import { tf } from '../tf';

/** The parts of the wasm backend faceclr's kernels use. */
export interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array; HEAPF32: Float32Array };
}

export class WasmOps {
  private readonly made: tf.TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Runs the stock wasm kernel `name`; the result is freed by `disposeIntermediates`. */
  run(name: string, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`WasmOps.run: no wasm kernel named '${name}'`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend as unknown as tf.KernelBackend,
      attrs: attrs as tf.NamedAttrMap,
    });
    if (Array.isArray(out)) throw new Error(`WasmOps.run: '${name}' returned several outputs`);
    this.made.push(out);
    return out;
  }

  /** Allocates a float32 output on the wasm heap (tracked like `run`'s results). */
  alloc(shape: number[]): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.made.push(out);
    return out;
  }

  /** A reshape that shares the data (a new TensorInfo over the same dataId; never freed here). */
  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return { dataId: x.dataId, shape, dtype: x.dtype };
  }

  /** Frees every intermediate except `keep` (the kernel's outputs). */
  disposeIntermediates(...keep: tf.TensorInfo[]): void {
    const kept = new Set(keep.map((k) => k.dataId));
    for (const info of this.made) {
      if (!kept.has(info.dataId)) this.backend.disposeData(info.dataId);
    }
    this.made.length = 0;
  }
}
