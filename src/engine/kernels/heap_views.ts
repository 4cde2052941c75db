/**
 * Zero-copy views into a wasm tensor's heap memory, for faceclr's kernels.
 *
 * `backend.makeOutput(shape, dtype, memoryOffset)` registers a new tensor id over memory that
 * another tensor owns. Such a view must never go through `backend.disposeData` (that would
 * `free()` memory the view does not own); `HeapViews.dispose()` unregisters them instead.
 * A view is only valid while its owner is alive: dispose views before the owner.
 *
 * @example
 * const views = new HeapViews(backend);
 * const shifted = views.at(xPadded, 3 * 128, [128, 1, 4096]); // x shifted by 3 positions
 * ...
 * views.dispose();
 */
import { tf } from '../tf';
import { WasmBackendLike } from './wasm_ops';

/** The backend internals a view needs beyond `WasmBackendLike`. */
interface ViewBackend extends WasmBackendLike {
  dataIdMap: WasmBackendLike['dataIdMap'] & { delete(dataId: object): boolean };
  wasm: WasmBackendLike['wasm'] & { tfjs: { disposeData(id: number): void } };
}

export class HeapViews {
  private readonly views: tf.TensorInfo[] = [];
  private readonly backend: ViewBackend;

  constructor(backend: WasmBackendLike) {
    this.backend = backend as ViewBackend;
  }

  /**
   * A float32 view of `shape` starting `offset` elements into `owner`'s data.
   * @throws when the view would read past the end of `owner`.
   */
  at(owner: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    const ownerSize = owner.shape.reduce((a, b) => a * b, 1);
    if (owner.dtype !== 'float32' || offset < 0 || offset + size > ownerSize) {
      throw new Error(
        `HeapViews.at: view [${offset}, ${offset + size}) does not fit in a ${owner.dtype} ` +
          `tensor of ${ownerSize} elements`,
      );
    }
    const data = this.backend.dataIdMap.get(owner.dataId);
    if (!data) throw new Error('HeapViews.at: owner is not a wasm tensor');
    const view = this.backend.makeOutput(shape, 'float32', data.memoryOffset + offset * 4);
    this.views.push(view);
    return view;
  }

  /** Unregisters every view (their memory stays with its owners). */
  dispose(): void {
    for (const view of this.views) {
      const data = this.backend.dataIdMap.get(view.dataId);
      if (!data) continue;
      this.backend.dataIdMap.delete(view.dataId);
      this.backend.wasm.tfjs.disposeData(data.id);
    }
    this.views.length = 0;
  }
}
