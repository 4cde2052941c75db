/**
 * Nominal FLOP counts of a training step, for roofline figures. Convolutions are counted as
 * direct convolutions (2·N·Ho·Wo·k²·Cin·Cout multiply-adds ×2 FLOPs), whatever algorithm the
 * engine uses (so Winograd or sub-pixel tricks raise the reported GFLOP/s).
 * A training step is forward + input gradient + filter gradient = 3× forward, minus the input
 * gradient of the first layer (images need no gradient).
 */
import { ResNetConfig } from '../models/resnet';

export interface LayerFlops {
  name: string;
  forward: number;
}

function convOut(size: number, kernel: number, stride: number): number {
  const pad = Math.floor(kernel / 2);
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** Forward FLOPs of each conv and dense layer of a ResNet for `batch` images of `size`². */
export function resnetLayerFlops(config: ResNetConfig, batch: number, size: number): LayerFlops[] {
  const layers: LayerFlops[] = [];
  const conv = (name: string, s: number, k: number, stride: number, cin: number, cout: number) => {
    const out = convOut(s, k, stride);
    layers.push({ name, forward: 2 * batch * out * out * k * k * cin * cout });
    return out;
  };
  let s = conv(
    'stem',
    size,
    config.stemKernel,
    config.stemStride,
    config.inputChannels ?? 3,
    config.widths[0],
  );
  let channels = config.widths[0];
  config.blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const width = config.widths[stage];
      const name = `stage${stage + 1}/block${b}`;
      const out = conv(`${name}/conv1`, s, 3, stride, channels, width);
      conv(`${name}/conv2`, out, 3, 1, width, width);
      if (stride !== 1 || channels !== width)
        conv(`${name}/shortcut`, s, 1, stride, channels, width);
      s = out;
      channels = width;
    }
  });
  layers.push({ name: 'embedding', forward: 2 * batch * channels * config.embeddingSize });
  return layers;
}

/** Nominal FLOPs of one training step (forward + both gradients) over `layers`. */
export function trainingStepFlops(
  layers: LayerFlops[],
  extraDense: number[][] = [],
  batch = 0,
): number {
  let total = 0;
  layers.forEach((layer, i) => {
    total += layer.forward * (i === 0 ? 2 : 3);
  });
  for (const [inF, outF] of extraDense) total += 3 * 2 * batch * inF * outF;
  return total;
}
