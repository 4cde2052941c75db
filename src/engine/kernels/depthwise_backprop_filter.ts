/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend, composed from stock wasm kernels.
 *
 * For a depthwise conv `y[n,i,j,c*M+m] = sum_{kh,kw} xp[n, i*s+kh, j*s+kw, c] * f[kh,kw,c,m]`
 * (xp: x zero-padded), the filter gradient is, per tap,
 *
 *   df[kh,kw,c,m] = sum_{n,i,j} xp[n, i*s+kh, j*s+kw, c] * dy[n,i,j,c*M+m].
 *
 * Layout trick: x is padded (plus one spare zero channel), split into its s x s stride phases and
 * transposed channel-major, `xt [s, s, C+1, N*Qh*Qw]`; dy is zero-padded to the same phase grid
 * and transposed to `dyt [C, N*Qh*Qw, M]`. A tap `(kh, kw) = (a*s+ph, b*s+pw)` is then the phase
 * `(ph, pw)` shifted by `a*Qw + b` elements, i.e. a zero-copy heap view of `xt`, and the tap's
 * gradient is one batched dot product `BatchMatMul(view [C, 1, L], dyt [C, L, M]) -> [C, 1, M]`.
 * Positions where a shifted view crosses an image (or channel) boundary meet zeros of `dyt`,
 * because dy is padded by at least the shift on the bottom and right.
 *
 * Cost: two pads, two transposes and KH*KW batched dots over `N*Qh*Qw*C*M` values.
 */
import { tf } from '../tf';
import { WasmBackendLike, WasmOps } from './wasm_ops';
import { HeapViews } from './heap_views';
import { DepthwiseBackpropAttrs, depthwiseGeometry } from './depthwise_geometry';

interface FilterAttrs extends DepthwiseBackpropAttrs {
  filterShape: [number, number, number, number];
}

/** Phase-grid size along one axis: rows per stride phase, and the bottom/right zero padding. */
function phaseGrid(inSize: number, outSize: number, filter: number, stride: number, pad: number) {
  const maxShift = Math.floor((filter - 1) / stride);
  const rows = Math.max(outSize + maxShift, Math.ceil((pad + inSize) / stride));
  return { rows, padAfter: rows * stride - pad - inSize };
}

/**
 * Gradient of a depthwise conv with respect to its filter.
 * @param args.inputs.x `[N, H, W, C]` float32, the forward input.
 * @param args.inputs.dy `[N, OH, OW, C*M]` float32, the gradient of the output.
 * @param args.attrs.filterShape `[KH, KW, C, M]`; strides, pad, dimRoundingMode as the forward op.
 * @returns `[KH, KW, C, M]` float32.
 * @throws naming the kernel for dilations != 1, bad ranks or mismatched shapes.
 */
export function depthwiseBackpropFilter(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  const { x, dy } = args.inputs;
  const attrs = args.attrs as unknown as FilterAttrs;
  const g = depthwiseGeometry(name, x.shape, attrs.filterShape, attrs);
  const { batch: n, channels: c, multiplier: m, strideHeight: sh, strideWidth: sw } = g;
  const expected = [n, g.outHeight, g.outWidth, c * m];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`${name}: dy must have shape [${expected}], got [${dy.shape}]`);
  }
  const backend = args.backend as WasmBackendLike;
  const ops = new WasmOps(backend);
  const views = new HeapViews(backend);
  try {
    const gh = phaseGrid(g.inHeight, g.outHeight, g.filterHeight, sh, g.padTop);
    const gw = phaseGrid(g.inWidth, g.outWidth, g.filterWidth, sw, g.padLeft);
    const length = n * gh.rows * gw.rows;
    // x -> [N, Qh*sh, Qw*sw, C+1] -> [sh, sw, C+1, N*Qh*Qw]
    const xp = ops.run(
      'PadV2',
      { x },
      {
        paddings: [
          [0, 0],
          [g.padTop, gh.padAfter],
          [g.padLeft, gw.padAfter],
          [0, 1],
        ],
        constantValue: 0,
      },
    );
    // two 3-D transposes ([N*Qh, sh, Qw*sw*(C+1)] then [sh, N*Qh*Qw, sw*(C+1)]): the wasm
    // Transpose is ~100x slower on the equivalent 6-D permutation
    const rowsFirst = ops.run(
      'Transpose',
      { x: ops.reshape(xp, [n * gh.rows, sh, gw.rows * sw * (c + 1)]) },
      {
        perm: [1, 0, 2],
      },
    );
    const xt = ops.run(
      'Transpose',
      { x: ops.reshape(rowsFirst, [sh, length, sw * (c + 1)]) },
      {
        perm: [0, 2, 1],
      },
    );
    // dy -> [N, Qh, Qw, C*M] -> [C, N*Qh*Qw, M]
    const dyp = ops.run(
      'PadV2',
      { x: dy },
      {
        paddings: [
          [0, 0],
          [0, gh.rows - g.outHeight],
          [0, gw.rows - g.outWidth],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    const dyt = ops.run('Transpose', { x: ops.reshape(dyp, [length, c, m]) }, { perm: [1, 0, 2] });
    const out = ops.alloc([g.filterHeight, g.filterWidth, c, m]);
    const xtSize = [sh, sw, c + 1, length];
    for (let kh = 0; kh < g.filterHeight; kh++) {
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const phase = (kh % sh) * sw + (kw % sw);
        const shift = Math.floor(kh / sh) * gw.rows + Math.floor(kw / sw);
        const tap = views.at({ ...xt, shape: xtSize }, phase * (c + 1) * length + shift, [
          c,
          1,
          length,
        ]);
        const dot = ops.run(
          'BatchMatMul',
          { a: tap, b: dyt },
          { transposeA: false, transposeB: false },
        );
        const values = backend.typedArrayFromHeap(dot) as Float32Array;
        (backend.typedArrayFromHeap(out) as Float32Array).set(
          values,
          (kh * g.filterWidth + kw) * c * m,
        );
      }
    }
    views.dispose();
    ops.disposeIntermediates(out);
    return out;
  } catch (e) {
    views.dispose();
    ops.disposeIntermediates();
    throw e;
  }
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc,
};
