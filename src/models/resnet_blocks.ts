/**
 * Residual blocks of the ResNets (He et al. 2016, "Deep Residual Learning", Fig. 5): the basic
 * block (two 3×3 convs) of ResNet-18/34 and the bottleneck (1×1 reduce, 3×3, 1×1 expand ×4) of
 * ResNet-50. Stride sits on the 3×3 conv (torchvision's "ResNet v1.5"). A projection shortcut
 * (1×1 conv + batch norm) is used when the stride or the channel count changes.
 */
import { createBatchNorm, createConv, Layer } from './layers';
import { ParamStore } from './params';

/** Output channels of a bottleneck block per inner (3×3) channel. */
export const BOTTLENECK_EXPANSION = 4;

function createShortcut(
  params: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: number,
): Layer | undefined {
  if (stride === 1 && inChannels === outChannels) return undefined;
  const conv = createConv(params, `${name}/shortcut/conv`, inChannels, outChannels, 1, stride);
  const bn = createBatchNorm(params, `${name}/shortcut/bn`, outChannels);
  return { apply: (x, ctx) => bn.apply(conv.apply(x, ctx), ctx) };
}

/** Basic block: conv3×3(stride)-BN-ReLU-conv3×3-BN, + shortcut, ReLU. [N,H,W,in] → [N,H/s,W/s,out]. */
export function createBasicBlock(
  params: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: number,
): Layer {
  const conv1 = createConv(params, `${name}/conv1`, inChannels, outChannels, 3, stride);
  const bn1 = createBatchNorm(params, `${name}/bn1`, outChannels, 1e-5, { relu: true });
  const conv2 = createConv(params, `${name}/conv2`, outChannels, outChannels, 3, 1);
  const bn2 = createBatchNorm(params, `${name}/bn2`, outChannels, 1e-5, { relu: true });
  const shortcut = createShortcut(params, name, inChannels, outChannels, stride);
  return {
    apply: (x, ctx) => {
      const h = bn1.apply(conv1.apply(x, ctx), ctx); // BN + ReLU
      const skip = shortcut ? shortcut.apply(x, ctx) : x;
      return bn2.applyResidual(conv2.apply(h, ctx), skip, ctx); // ReLU(BN + skip)
    },
  };
}

/**
 * Bottleneck block: conv1×1-BN-ReLU, conv3×3(stride)-BN-ReLU, conv1×1-BN, + shortcut, ReLU.
 * `width` is the inner channel count; the block outputs `width · 4` channels.
 * [N,H,W,in] → [N,H/s,W/s,4·width].
 */
export function createBottleneckBlock(
  params: ParamStore,
  name: string,
  inChannels: number,
  width: number,
  stride: number,
): Layer {
  const outChannels = width * BOTTLENECK_EXPANSION;
  const conv1 = createConv(params, `${name}/conv1`, inChannels, width, 1, 1);
  const bn1 = createBatchNorm(params, `${name}/bn1`, width, 1e-5, { relu: true });
  const conv2 = createConv(params, `${name}/conv2`, width, width, 3, stride);
  const bn2 = createBatchNorm(params, `${name}/bn2`, width, 1e-5, { relu: true });
  const conv3 = createConv(params, `${name}/conv3`, width, outChannels, 1, 1);
  const bn3 = createBatchNorm(params, `${name}/bn3`, outChannels, 1e-5, { relu: true });
  const shortcut = createShortcut(params, name, inChannels, outChannels, stride);
  return {
    apply: (x, ctx) => {
      const h1 = bn1.apply(conv1.apply(x, ctx), ctx); // BN + ReLU
      const h2 = bn2.apply(conv2.apply(h1, ctx), ctx); // BN + ReLU
      const skip = shortcut ? shortcut.apply(x, ctx) : x;
      return bn3.applyResidual(conv3.apply(h2, ctx), skip, ctx); // ReLU(BN + skip)
    },
  };
}
