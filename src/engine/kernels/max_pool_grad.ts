/**
 * `MaxPoolGrad` for the wasm backend, replacing the stock kernel.
 *
 * The stock wasm `MaxPoolGrad` (tfjs 4.22) does not find the maximum of a window whose values
 * are all negative (common after batchNorm or PReLU): it sends the gradient to the window's
 * first position, or drops it when that position is padding. cpu and TensorFlow send it to the
 * first maximum in row-major window order, ignoring padding; so does this kernel:
 *
 *   dx[n, argmax_{(h,w) in window(i,j), inside x} x[n,h,w,c], c] += dy[n,i,j,c]
 *
 * It is a plain loop over the heap views (one pass over the windows); dilations are 1.
 */
import { tf } from '../tf';
import { WasmBackendLike } from './wasm_ops';

/**
 * @param args.inputs.dy `[N, OH, OW, C]` float32; `input` `[N, H, W, C]` (the forward x).
 * @param args.attrs filterSize, strides, pad, dimRoundingMode as the forward `maxPool`.
 * @returns dx `[N, H, W, C]` float32.
 * @throws naming the kernel when dy's shape does not match the pooling geometry.
 */
export function maxPoolGrad(args: {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo };
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy, input } = args.inputs;
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const backend = args.backend as WasmBackendLike;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
  } = info;
  if (dy.shape.join() !== [n, oh, ow, c].join()) {
    throw new Error(`MaxPoolGrad: dy must have shape [${[n, oh, ow, c]}], got [${dy.shape}]`);
  }
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const xs = backend.typedArrayFromHeap(input) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const best = new Int32Array(c);
  const bestValue = new Float32Array(c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const r0 = i * info.strideHeight - info.padInfo.top;
      const rLo = Math.max(r0, 0);
      const rHi = Math.min(r0 + info.filterHeight, h);
      for (let j = 0; j < ow; j++) {
        const c0 = j * info.strideWidth - info.padInfo.left;
        const cLo = Math.max(c0, 0);
        const cHi = Math.min(c0 + info.filterWidth, w);
        best.fill(-1);
        bestValue.fill(-Infinity);
        for (let r = rLo; r < rHi; r++) {
          for (let col = cLo; col < cHi; col++) {
            const base = ((b * h + r) * w + col) * c;
            for (let d = 0; d < c; d++) {
              const v = xs[base + d];
              if (v > bestValue[d] || best[d] < 0) {
                bestValue[d] = v;
                best[d] = base + d;
              }
            }
          }
        }
        const dyBase = ((b * oh + i) * ow + j) * c;
        for (let d = 0; d < c; d++) if (best[d] >= 0) dx[best[d]] += dys[dyBase + d];
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
