/**
 * `Conv2DBackpropFilter` for the wasm backend (dW of a conv), which the stock backend lacks.
 *
 * - 1x1 convs reading no padding: dW = xᵀ · dy as one XNNPACK matMul ([Cin, N·Ho·Wo] ·
 *   [N·Ho·Wo, Cout]), x first gathered from the stride grid, channels first.
 * - Everything else: dW[i, j, ci, co] = Σ_{n, ho, wo} x[n, ho·s + i − pt, wo·s + j − pl, ci] ·
 *   dy[n, ho, wo, co] is a convolution of x with channels as batch ([Cin, H, W, N]) and dy as
 *   the filter ([Ho, Wo, N, Cout]) dilated by the forward stride. Its output [Cin, kh, kw, Cout]
 *   is transposed to [kh, kw, Cin, Cout]. The forward padding becomes this conv's padding;
 *   trailing rows/cols of x the forward pass never read are cropped first.
 *
 * Shapes: x [N, H, W, Cin], dy [N, Ho, Wo, Cout] → dW `filterShape` [kh, kw, Cin, Cout].
 */
import { tf } from '../tf';
import { ConvGeometry, convGeometry, filterGradAxis, isPointwise } from './conv_geometry';
import { stridedCopy3, transposeOuterInner } from './fast_transpose';
import { WasmBackendLike, WasmOps } from './wasm_ops';

const NAME = 'Conv2DBackpropFilter';

/**
 * xs [Cin, N·Ho·Wo]: x on the forward's stride grid, channels first (one pass in JS; the stock
 * `StridedSlice` + `Transpose` pair is ~10x slower).
 */
function gridChannelsFirst(ops: WasmOps, x: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const { batch: n, inChannels: cin, rows, cols } = g;
  const per = rows.outSize * cols.outSize;
  const m = n * per;
  const out = ops.alloc([cin, m]);
  const src = ops.backend.typedArrayFromHeap(x) as Float32Array;
  const dst = ops.backend.typedArrayFromHeap(out) as Float32Array;
  const image = rows.size * cols.size * cin;
  const s = { a: cols.stride * cin, p: rows.stride * cols.size * cin, b: 1 };
  const d = { a: 1, p: cols.outSize, b: m };
  for (let b = 0; b < n; b++) {
    stridedCopy3(src, b * image, s, dst, b * per, d, cols.outSize, rows.outSize, cin);
  }
  return out;
}

/**
 * x [N, H, W, Cin] → [Cin, keepH, keepW, N] (channels as batch, trailing rows/cols cropped):
 * the blocked transpose of fast_transpose.ts, ~4x faster than the stock `Transpose`.
 */
function channelsAsBatch(ops: WasmOps, x: tf.TensorInfo, keepH: number, keepW: number) {
  const [n, h, w, cin] = x.shape;
  if (keepH === h && keepW === w) {
    return transposeOuterInner(ops, x, [n, h * w, cin], [cin, h, w, n]);
  }
  const out = ops.alloc([cin, keepH, keepW, n]);
  const src = ops.backend.typedArrayFromHeap(x) as Float32Array;
  const dst = ops.backend.typedArrayFromHeap(out) as Float32Array;
  const s = { a: h * w * cin, p: cin, b: 1 };
  const d = { a: 1, p: n, b: keepH * keepW * n };
  for (let r = 0; r < keepH; r++) {
    stridedCopy3(src, r * w * cin, s, dst, r * keepW * n, d, n, keepW, cin);
  }
  return out;
}

/** dW of a 1x1 conv that reads no padding: xsᵀ-first matMul [Cin, M] · [M, Cout]. */
function pointwiseFilterGrad(ops: WasmOps, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry) {
  const { batch: n, inChannels: cin, outChannels: cout, rows, cols } = g;
  const m = n * rows.outSize * cols.outSize;
  const xT = gridChannelsFirst(ops, x, g); // [Cin, M]
  const dw = ops.run(
    'BatchMatMul',
    { a: ops.reshape(xT, [1, cin, m]), b: ops.reshape(dy, [1, m, cout]) },
    { transposeA: false, transposeB: false },
  ); // [1, Cin, Cout]
  return ops.reshape(dw, [1, 1, cin, cout]);
}

/** dW as a conv of x (channels as batch) with dy (dilated by the stride) as the filter. */
function convFilterGrad(ops: WasmOps, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry) {
  const { inChannels: cin, outChannels: cout, rows, cols } = g;
  const rp = filterGradAxis(rows);
  const cp = filterGradAxis(cols);
  if (rp.keep <= 0 || cp.keep <= 0) {
    // Every forward window reads only padding: dW is zero.
    const zeros = ops.alloc([rows.kernel, cols.kernel, cin, cout]);
    (ops.backend.typedArrayFromHeap(zeros) as Float32Array).fill(0);
    return zeros;
  }
  const xT = channelsAsBatch(ops, x, rp.keep, cp.keep); // [Cin, H', W', N]
  const dyT = ops.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [Ho, Wo, N, Cout]
  const pad = [
    [0, 0],
    [rp.padBefore, rp.padAfter],
    [cp.padBefore, cp.padAfter],
    [0, 0],
  ];
  const dwT = ops.run(
    'Conv2D',
    { x: xT, filter: dyT },
    { strides: [1, 1], dilations: [rows.stride, cols.stride], pad, dataFormat: 'NHWC' },
  ); // [Cin, kh, kw, Cout]
  return ops.run('Transpose', { x: dwT }, { perm: [1, 2, 0, 3] }); // [kh, kw, Cin, Cout]
}

/**
 * The wasm `Conv2DBackpropFilter` kernel.
 *
 * @param args.inputs x [N, H, W, Cin], dy [N, Ho, Wo, Cout].
 * @param args.attrs strides, pad ('same' | 'valid' | number | explicit), dataFormat 'NHWC',
 *   dimRoundingMode, filterShape [kh, kw, Cin, Cout].
 * @returns dW [kh, kw, Cin, Cout].
 * @throws Error naming the kernel for NCHW data or a dy whose shape is not the forward output.
 */
export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const g = convGeometry(NAME, x.shape, attrs.filterShape, dy.shape, attrs);
  const ops = new WasmOps(args.backend as WasmBackendLike);
  const out = isPointwise(g) ? pointwiseFilterGrad(ops, x, dy, g) : convFilterGrad(ops, x, dy, g);
  ops.disposeIntermediates(out);
  return out;
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
