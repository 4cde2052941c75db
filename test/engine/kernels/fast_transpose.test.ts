import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { stridedCopy3, transposeOuterInner } from '../../../src/engine/kernels/fast_transpose';
import { WasmBackendLike, WasmOps } from '../../../src/engine/kernels/wasm_ops';
import { seededValues } from '../../helpers/compare';

describe('fast_transpose', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // A covers the 16-, 8-, 4- and 1-row paths and their combinations.
  it.each([
    [1, 1, 1],
    [3, 5, 2],
    [16, 4, 3],
    [29, 7, 5],
    [37, 12, 8],
    [128, 16, 3],
    [64, 9, 32],
  ] as [number, number, number][])(
    'transposeOuterInner [%i, %i, %i] equals the stock wasm Transpose perm [2, 1, 0]',
    (a, p, b) => {
      const x = tf.tensor3d(seededValues(a * p * b, 5), [a, p, b]);
      const want = tf.transpose(x, [2, 1, 0]);
      const ops = new WasmOps(tf.backend() as unknown as WasmBackendLike);
      const info = transposeOuterInner(ops, x, [a, p, b]);
      ops.disposeIntermediates(info);
      const got = tf.engine().makeTensorFromTensorInfo(info);
      expect(got.shape).toEqual([b, p, a]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([x, want, got]);
    },
  );

  it('transposeOuterInner takes an output shape and rejects a size mismatch', () => {
    const x = tf.tensor4d(seededValues(2 * 3 * 4 * 5, 7), [2, 3, 4, 5]);
    const want = tf.transpose(x, [3, 1, 2, 0]);
    const ops = new WasmOps(tf.backend() as unknown as WasmBackendLike);
    const info = transposeOuterInner(ops, x, [2, 12, 5], [5, 3, 4, 2]);
    ops.disposeIntermediates(info);
    const got = tf.engine().makeTensorFromTensorInfo(info);
    expect(got.shape).toEqual([5, 3, 4, 2]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    expect(() => transposeOuterInner(ops, x, [2, 12, 4])).toThrow(/transposeOuterInner/);
    tf.dispose([x, want, got]);
  });

  it('stridedCopy3 copies arbitrary strided blocks', () => {
    const src = Float32Array.from({ length: 600 }, (_, i) => i);
    const [A, P, B] = [21, 3, 4];
    const s = { a: 25, p: 7, b: 2 };
    const d = { a: 1, p: A, b: A * P + 3 };
    const dst = new Float32Array(10 + (B - 1) * d.b + (P - 1) * d.p + A).fill(-1);
    stridedCopy3(src, 11, s, dst, 10, d, A, P, B);
    let written = 0;
    for (let a = 0; a < A; a++) {
      for (let p = 0; p < P; p++) {
        for (let b = 0; b < B; b++) {
          expect(dst[10 + a * d.a + p * d.p + b * d.b]).toBe(src[11 + a * s.a + p * s.p + b * s.b]);
          written++;
        }
      }
    }
    expect(dst.filter((v) => v !== -1).length).toBe(written);
  });
});
