/**
 * `DepthwiseConv2dNativeBackpropInput` for the wasm backend, composed from stock wasm kernels.
 *
 * The input gradient of `y = depthwiseConv(x, f)` (stride s, padding top/left p) is a stride-1
 * depthwise conv of the stride-dilated dy with the spatially flipped filter:
 *
 *   dx[n,h,w,c] = sum_{kh,kw,m} dyd[n, h+p+kh-(K-1), w+p+kw-(K-1), c*M+m] * f[K-1-kh, K-1-kw, c, m]
 *
 * where `dyd` has `s-1` zeros after every dy row and column. Steps: `PadV2` dilates dy (for
 * s > 1), `Reverse` flips f to `[KH, KW, C*M, 1]`, XNNPACK's `DepthwiseConv2dNative` runs with
 * explicit padding `K-1-p` before (clipped at 0, the excess cropped by `Slice`), and for a
 * channel multiplier M > 1 a `Sum` over the M outputs of each input channel.
 */
import { tf } from '../tf';
import { WasmBackendLike, WasmOps } from './wasm_ops';
import { DepthwiseBackpropAttrs, depthwiseGeometry } from './depthwise_geometry';

interface InputAttrs extends DepthwiseBackpropAttrs {
  inputShape: [number, number, number, number];
}

/** Padding of the dilated dy along one axis, and where dx starts in the conv output. */
function transposedPads(
  inSize: number,
  outSize: number,
  filter: number,
  stride: number,
  pad: number,
) {
  const before = filter - 1 - pad;
  const after = inSize + pad - outSize * stride;
  return {
    before: Math.max(before, 0),
    after: Math.max(after, 0),
    crop: Math.max(before, 0) - before,
  };
}

/**
 * Gradient of a depthwise conv with respect to its input.
 * @param args.inputs.dy `[N, OH, OW, C*M]` float32, the gradient of the output.
 * @param args.inputs.filter `[KH, KW, C, M]` float32.
 * @param args.attrs.inputShape `[N, H, W, C]`; strides, pad, dimRoundingMode as the forward op.
 * @returns `[N, H, W, C]` float32.
 * @throws naming the kernel for dilations != 1, bad ranks or mismatched shapes.
 */
export function depthwiseBackpropInput(args: {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropInput';
  const { dy, filter } = args.inputs;
  const attrs = args.attrs as unknown as InputAttrs;
  const g = depthwiseGeometry(name, attrs.inputShape, filter.shape, attrs);
  const { batch: n, channels: c, multiplier: m, strideHeight: sh, strideWidth: sw } = g;
  const [kh, kw] = [g.filterHeight, g.filterWidth];
  const expected = [n, g.outHeight, g.outWidth, c * m];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`${name}: dy must have shape [${expected}], got [${dy.shape}]`);
  }
  const ops = new WasmOps(args.backend as WasmBackendLike);
  try {
    // dy [N, OH, OW, CM] -> dilated [N, OH*sh, OW*sw, CM]
    let dyd = dy;
    if (sh > 1 || sw > 1) {
      const cols = ops.reshape(dy, [n, g.outHeight, 1, g.outWidth, 1, c * m]);
      const padded = ops.run(
        'PadV2',
        { x: cols },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      dyd = ops.reshape(padded, [n, g.outHeight * sh, g.outWidth * sw, c * m]);
    }
    const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
    const ph = transposedPads(g.inHeight, g.outHeight, kh, sh, g.padTop);
    const pw = transposedPads(g.inWidth, g.outWidth, kw, sw, g.padLeft);
    let dx = ops.run(
      'DepthwiseConv2dNative',
      { x: dyd, filter: ops.reshape(flipped, [kh, kw, c * m, 1]) },
      {
        strides: 1,
        dilations: 1,
        pad: [
          [0, 0],
          [ph.before, ph.after],
          [pw.before, pw.after],
          [0, 0],
        ],
      },
    );
    if (dx.shape[1] !== g.inHeight || dx.shape[2] !== g.inWidth) {
      dx = ops.run(
        'Slice',
        { x: dx },
        {
          begin: [0, ph.crop, pw.crop, 0],
          size: [n, g.inHeight, g.inWidth, c * m],
        },
      );
    }
    if (m > 1) {
      const grouped = ops.reshape(dx, [n, g.inHeight, g.inWidth, c, m]);
      dx = ops.run('Sum', { x: grouped }, { axis: [4], keepDims: false });
    }
    ops.disposeIntermediates(dx);
    return dx;
  } catch (e) {
    ops.disposeIntermediates();
    throw e;
  }
}

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc,
};
