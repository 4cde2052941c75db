/**
 * Index maths shared by the wasm `Conv2DBackpropFilter` and `Conv2DBackpropInput` kernels.
 *
 * The forward convolution (NHWC, no dilation) reads, along one spatial axis,
 * `y[o] = Σ_i x[o·stride + i − padBefore] · w[i]` for `o ∈ [0, outSize)`, `i ∈ [0, kernel)`.
 * Both gradients are rewritten as stock XNNPACK convolutions; this file works out, per axis,
 * which rows to crop and how much to pad so that those convolutions line up with the forward one.
 */
import { tf } from '../tf';

/** One spatial axis of the forward convolution. */
export interface ConvAxis {
  /** Input length (H or W of x). */
  size: number;
  /** Output length (Ho or Wo of dy). */
  outSize: number;
  kernel: number;
  stride: number;
  /** Forward padding before the first input row (>= 0). */
  padBefore: number;
}

/** The forward convolution as the backprop kernels see it. */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  rows: ConvAxis;
  cols: ConvAxis;
}

type ConvAttrs = Pick<
  tf.Conv2DBackpropFilterAttrs,
  'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'
>;

/**
 * Resolves a backprop kernel's attributes into the forward convolution's geometry.
 *
 * @param kernel Kernel name, used in error messages.
 * @param xShape Forward input shape [N, H, W, Cin].
 * @param filterShape Forward filter shape [kh, kw, Cin, Cout].
 * @param dyShape Shape of the incoming gradient, must be the forward output [N, Ho, Wo, Cout].
 * @throws Error naming the kernel and argument for NCHW data or a dy of the wrong shape.
 */
export function convGeometry(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  dyShape: number[],
  attrs: ConvAttrs,
): ConvGeometry {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm): dataFormat must be 'NHWC', got '${attrs.dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = info.outShape;
  if (dyShape.length !== 4 || dyShape.some((d, i) => d !== expected[i])) {
    throw new Error(`${kernel} (wasm): dy must have shape [${expected}], got [${dyShape}]`);
  }
  const { padInfo } = info;
  return {
    batch: info.batchSize,
    inChannels: info.inChannels,
    outChannels: info.outChannels,
    rows: axis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, padInfo.top),
    cols: axis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, padInfo.left),
  };
}

function axis(
  size: number,
  outSize: number,
  kernel: number,
  stride: number,
  pad: number,
): ConvAxis {
  return { size, outSize, kernel, stride, padBefore: pad };
}

/** True when the forward conv is 1x1 and reads no padding: both gradients are matMuls. */
export function isPointwise(g: ConvGeometry): boolean {
  const reads = (a: ConvAxis) =>
    a.kernel === 1 && a.padBefore === 0 && (a.outSize - 1) * a.stride < a.size;
  return reads(g.rows) && reads(g.cols);
}

/** How the filter-gradient conv (x as input, dy dilated by the stride as filter) treats one axis. */
export interface FilterGradAxis {
  /** Leading input rows to keep; trailing rows the forward never read are cropped (may be <= 0). */
  keep: number;
  padBefore: number;
  padAfter: number;
}

/**
 * dW[i] = Σ_o x[o·s + i − p] · dy[o]: a stride-1 conv of x with dy dilated by s, whose output
 * must have exactly `kernel` rows. The padding after is `kernel + (outSize−1)·s − size − p`;
 * when negative, those trailing rows of x are cropped instead.
 */
export function filterGradAxis(a: ConvAxis): FilterGradAxis {
  const after = a.kernel + (a.outSize - 1) * a.stride - a.size - a.padBefore;
  if (after >= 0) return { keep: a.size, padBefore: a.padBefore, padAfter: after };
  return { keep: a.size + after, padBefore: a.padBefore, padAfter: 0 };
}

/**
 * How the input-gradient conv treats one axis, by sub-pixel decomposition.
 *
 * dx[s·b + r] (phase r ∈ [0, s)) sums dy[b + q_r − t] · w[s·t + c_r] over taps t, with
 * c_r = (r + p) mod s and q_r = ⌊(r + p) / s⌋. All phases become output channels of one stride-1
 * conv over dy with `taps` taps: tap u of phase r uses forward index `tapIndex[r][u]` (−1: none).
 */
export interface SubPixelAxis {
  /** s: phases interleaved back by a depth-to-space. */
  phases: number;
  /** B = ⌈size / s⌉ rows of each phase; s·B may exceed size, the excess is cropped. */
  blocks: number;
  taps: number;
  tapIndex: number[][];
  /** dy rows dropped at the start/end, then zero rows added, before the conv. */
  cropBefore: number;
  cropAfter: number;
  padBefore: number;
  padAfter: number;
}

/** Plans the sub-pixel conv for one axis; see `SubPixelAxis`. */
export function subPixelAxis(a: ConvAxis): SubPixelAxis {
  const s = a.stride;
  const phases: { c: number; q: number; n: number }[] = [];
  for (let r = 0; r < s; r++) {
    const c = (r + a.padBefore) % s;
    const n = c < a.kernel ? Math.ceil((a.kernel - c) / s) : 0;
    phases.push({ c, q: Math.floor((r + a.padBefore) / s), n });
  }
  const active = phases.filter((ph) => ph.n > 0);
  const lead = Math.max(...active.map((ph) => ph.n - 1 - ph.q));
  const taps = Math.max(...active.map((ph) => lead + ph.q)) + 1;
  const tapIndex = phases.map((ph) =>
    Array.from({ length: taps }, (_, u) => {
      const t = lead + ph.q - u;
      return t >= 0 && t < ph.n ? s * t + ph.c : -1;
    }),
  );
  const blocks = Math.ceil(a.size / s);
  const trail = blocks - a.outSize - lead + taps - 1;
  return {
    phases: s,
    blocks,
    taps,
    tapIndex,
    cropBefore: Math.max(-lead, 0),
    cropAfter: Math.max(-trail, 0),
    padBefore: Math.max(lead, 0),
    padAfter: Math.max(trail, 0),
  };
}
