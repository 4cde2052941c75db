/**
 * Shared shape arithmetic for the depthwise-conv gradient kernels.
 *
 * Wraps `backend_util.computeConv2DInfo` (so `same`, `valid`, explicit padding and
 * `dimRoundingMode` behave exactly as in the forward `DepthwiseConv2dNative`) and rejects what
 * the composed kernels do not handle: dilations other than 1, rank other than 4.
 */
import { tf } from '../tf';

/** The attributes both depthwise backprop kernels receive. */
export interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

/** Geometry of one depthwise convolution x `[N, H, W, C]` * filter `[KH, KW, C, M]`. */
export interface DepthwiseGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  multiplier: number;
  filterHeight: number;
  filterWidth: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Resolves the geometry of the forward depthwise conv whose gradient `kernel` computes.
 * @param kernel kernel name, for errors.
 * @param xShape `[N, H, W, C]`.
 * @param filterShape `[KH, KW, C, M]`.
 * @throws naming `kernel` and the argument, for bad ranks, channel mismatch or dilations != 1.
 */
export function depthwiseGeometry(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  attrs: DepthwiseBackpropAttrs,
): DepthwiseGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `${kernel}: input and filter must be rank 4, got [${xShape}] and [${filterShape}]`,
    );
  }
  if (xShape[3] !== filterShape[2]) {
    throw new Error(
      `${kernel}: input channels (${xShape[3]}) must equal filter dim 2 (${filterShape[2]})`,
    );
  }
  const dilations = attrs.dilations ?? 1;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(`${kernel}: dilations must be 1 on wasm, got ${dilations}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    multiplier: filterShape[3],
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
