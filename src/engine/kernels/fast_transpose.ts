/**
 * Fast transposes for faceclr's conv backprop kernels, as JS loops over the wasm heap.
 *
 * The stock wasm `Transpose` walks the output in order and gathers each element from the
 * input; when the input stride between consecutive output elements is a large power of two
 * (x [N, H, W, C] → [C, H, W, N]: 128 KB at 32x32x32), nearly every read misses the cache.
 * Here the moving axis is handled 16 (then 8, 4, 1) rows at a time: one pass over the inner
 * axis reads 16 input rows side by side (each read sequentially) and writes 16 consecutive
 * output elements, a whole cache line.
 *
 * Measured on the reference shapes (batch 128, single thread, CPU ms, best of 5; stock vs here):
 * [N,H,W,C] → [C,H,W,N] at 64x64x3 3.6 → 2.4, 32x32x32 29 → 6.3, 16x16x64 8.2 → 2.4,
 * 8x8x128 3.4 → 1.1, 4x4x256 1.4 → 0.5.
 */
import { tf } from '../tf';
import { WasmOps } from './wasm_ops';

/** Strides (in elements) of one side of a 3-axis strided copy. */
export interface Strides3 {
  a: number;
  p: number;
  b: number;
}

/**
 * dst[dstOff + a·d.a + p·d.p + b·d.b] = src[srcOff + a·s.a + p·s.p + b·s.b] for a < A, p < P,
 * b < B; the a axis is unrolled (best when d.a = 1: 16 consecutive writes per step of b).
 */
export function stridedCopy3(
  src: Float32Array,
  srcOff: number,
  s: Strides3,
  dst: Float32Array,
  dstOff: number,
  d: Strides3,
  A: number,
  P: number,
  B: number,
): void {
  let a0 = 0;
  for (; a0 + 16 <= A; a0 += 16)
    block16(src, srcOff + a0 * s.a, s, dst, dstOff + a0 * d.a, d, P, B);
  for (; a0 + 8 <= A; a0 += 8) block8(src, srcOff + a0 * s.a, s, dst, dstOff + a0 * d.a, d, P, B);
  for (; a0 + 4 <= A; a0 += 4) block4(src, srcOff + a0 * s.a, s, dst, dstOff + a0 * d.a, d, P, B);
  for (; a0 < A; a0++) {
    for (let p = 0; p < P; p++) {
      let i = srcOff + a0 * s.a + p * s.p;
      let o = dstOff + a0 * d.a + p * d.p;
      for (let b = 0; b < B; b++, i += s.b, o += d.b) dst[o] = src[i];
    }
  }
}

function block16(
  src: Float32Array,
  so: number,
  s: Strides3,
  dst: Float32Array,
  dO: number,
  d: Strides3,
  P: number,
  B: number,
): void {
  const sa = s.a;
  const da = d.a;
  for (let p = 0; p < P; p++) {
    let i = so + p * s.p;
    let o = dO + p * d.p;
    for (let b = 0; b < B; b++, i += s.b, o += d.b) {
      let k = i;
      let q = o;
      dst[q] = src[k];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[q + da] = src[k + sa];
    }
  }
}

function block8(
  src: Float32Array,
  so: number,
  s: Strides3,
  dst: Float32Array,
  dO: number,
  d: Strides3,
  P: number,
  B: number,
): void {
  const sa = s.a;
  const da = d.a;
  for (let p = 0; p < P; p++) {
    let i = so + p * s.p;
    let o = dO + p * d.p;
    for (let b = 0; b < B; b++, i += s.b, o += d.b) {
      let k = i;
      let q = o;
      dst[q] = src[k];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[(q += da)] = src[(k += sa)];
      dst[q + da] = src[k + sa];
    }
  }
}

function block4(
  src: Float32Array,
  so: number,
  s: Strides3,
  dst: Float32Array,
  dO: number,
  d: Strides3,
  P: number,
  B: number,
): void {
  const sa = s.a;
  const da = d.a;
  for (let p = 0; p < P; p++) {
    let i = so + p * s.p;
    let o = dO + p * d.p;
    for (let b = 0; b < B; b++, i += s.b, o += d.b) {
      dst[o] = src[i];
      dst[o + da] = src[i + sa];
      dst[o + 2 * da] = src[i + 2 * sa];
      dst[o + 3 * da] = src[i + 3 * sa];
    }
  }
}

/**
 * [A, P, B] → [B, P, A] (perm [2, 1, 0]) of a float32 wasm tensor, e.g. x [N, H, W, C] viewed as
 * [N, H·W, C] → [C, H·W, N]. The result is allocated through `ops` (freed by its
 * `disposeIntermediates` unless kept).
 *
 * @param shape [A, P, B]; its product must be x's size.
 * @returns a tensor of shape `outShape` (default [B, P, A]).
 */
export function transposeOuterInner(
  ops: WasmOps,
  x: tf.TensorInfo,
  shape: [number, number, number],
  outShape: number[] = [shape[2], shape[1], shape[0]],
): tf.TensorInfo {
  const [A, P, B] = shape;
  if (x.dtype !== 'float32' || A * P * B !== x.shape.reduce((u, v) => u * v, 1)) {
    throw new Error(
      `transposeOuterInner: a float32 tensor of [${shape}] expected, got ${x.dtype} [${x.shape}]`,
    );
  }
  const out = ops.alloc(outShape);
  // Views only after the last allocation: heap growth detaches earlier ones.
  const src = ops.backend.typedArrayFromHeap(x) as Float32Array;
  const dst = ops.backend.typedArrayFromHeap(out) as Float32Array;
  stridedCopy3(src, 0, { a: P * B, p: B, b: 1 }, dst, 0, { a: 1, p: A, b: P * A }, A, P, B);
  return out;
}
