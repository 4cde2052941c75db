/**
 * The three backbone families as `tf.layers` graphs (inference mode: batch norm with moving
 * statistics, no dropout), each a line-for-line transcription of its faceclr `apply`:
 *
 * - ResNet (`src/models/resnet.ts`, `resnet_blocks.ts`): stem conv-BN-ReLU, basic or bottleneck
 *   blocks with ReLU after the addition, global average pool, dense.
 * - IR-ResNet (`src/models/ir_resnet.ts`): stem conv-BN-PReLU, BN-conv-BN-PReLU-conv-BN units with
 *   no activation after the addition, BN-flatten-FC-BN.
 * - MobileFaceNet (`src/models/mobile_face_net.ts`): bottlenecks with PReLU, linear GDConv, FC-BN.
 *
 * A projection shortcut is taken exactly when the backbone has its variables.
 */
import { tf } from '../engine/tf';
import type { Backbone } from '../models/backbone';
import { IrResNetBackbone } from '../models/ir_resnet';
import { MobileFaceNetBackbone } from '../models/mobile_face_net';
import { ResNetBackbone } from '../models/resnet';
import { LayersBuilder } from './layers_builder';

type Symbolic = tf.SymbolicTensor;

function shortcut(g: LayersBuilder, h: Symbolic, name: string, stride: number): Symbolic {
  if (!g.has(`${name}/shortcut/conv/kernel`)) return h;
  return g.batchNorm(g.conv(h, `${name}/shortcut/conv`, stride), `${name}/shortcut/bn`);
}

function resnetGraph(g: LayersBuilder, x: Symbolic, backbone: ResNetBackbone): Symbolic {
  const { blocks, stemStride } = backbone.config;
  const bottleneck = backbone.config.block === 'bottleneck';
  let h = g.relu(g.batchNorm(g.conv(x, 'stem/conv', stemStride), 'stem/bn'), 'stem/bn');
  blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const n = `stage${stage + 1}/block${b}`;
      let o: Symbolic;
      if (bottleneck) {
        o = g.relu(g.batchNorm(g.conv(h, `${n}/conv1`, 1), `${n}/bn1`), `${n}/bn1`);
        o = g.relu(g.batchNorm(g.conv(o, `${n}/conv2`, stride), `${n}/bn2`), `${n}/bn2`);
        o = g.batchNorm(g.conv(o, `${n}/conv3`, 1), `${n}/bn3`);
      } else {
        o = g.relu(g.batchNorm(g.conv(h, `${n}/conv1`, stride), `${n}/bn1`), `${n}/bn1`);
        o = g.batchNorm(g.conv(o, `${n}/conv2`, 1), `${n}/bn2`);
      }
      h = g.relu(g.add(o, shortcut(g, h, n, stride), n), n);
    }
  });
  return g.dense(g.globalAveragePool(h, 'pool'), 'embedding');
}

function irResNetGraph(g: LayersBuilder, x: Symbolic, backbone: IrResNetBackbone): Symbolic {
  const { blocks, stemStride } = backbone.config;
  let h = g.prelu(g.batchNorm(g.conv(x, 'stem/conv', stemStride), 'stem/bn'), 'stem/prelu');
  blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      const stride = b === 0 ? 2 : 1;
      const n = `stage${stage + 1}/block${b}`;
      let o = g.conv(g.batchNorm(h, `${n}/bn1`), `${n}/conv1`, 1);
      o = g.prelu(g.batchNorm(o, `${n}/bn2`), `${n}/prelu`);
      o = g.batchNorm(g.conv(o, `${n}/conv2`, stride), `${n}/bn3`);
      h = g.add(o, shortcut(g, h, n, stride), n);
    }
  });
  const flat = g.flatten(g.batchNorm(h, 'output/bn'), 'output/flatten'); // NHWC order, as reshape
  return g.batchNorm(g.dense(flat, 'output/fc'), 'output/features');
}

function mobileFaceNetGraph(
  g: LayersBuilder,
  x: Symbolic,
  backbone: MobileFaceNetBackbone,
): Symbolic {
  const { bottlenecks, stemStride } = backbone.config;
  const unit = (h: Symbolic, name: string, conv: (h: Symbolic) => Symbolic, prelu: boolean) => {
    const y = g.batchNorm(conv(h), `${name}/bn`);
    return prelu ? g.prelu(y, `${name}/prelu`) : y;
  };
  let h = unit(x, 'stem', (v) => g.conv(v, 'stem/conv', stemStride), true);
  h = unit(h, 'stem_dw', (v) => g.depthwise(v, 'stem_dw/conv', 1), true);
  let channels = backbone.config.stemChannels;
  bottlenecks.forEach(([, c, count, s], stage) => {
    for (let b = 0; b < count; b++) {
      const stride = b === 0 ? s : 1;
      const n = `stage${stage + 1}/block${b}`;
      let o = unit(h, `${n}/expand`, (v) => g.conv(v, `${n}/expand/conv`, 1), true);
      o = unit(o, `${n}/depthwise`, (v) => g.depthwise(v, `${n}/depthwise/conv`, stride), true);
      o = unit(o, `${n}/project`, (v) => g.conv(v, `${n}/project/conv`, 1), false);
      h = stride === 1 && channels === c ? g.add(h, o, n) : o;
      channels = c;
    }
  });
  h = unit(h, 'conv_last', (v) => g.conv(v, 'conv_last/conv', 1), true);
  h = unit(h, 'gdconv', (v) => g.depthwise(v, 'gdconv/conv', 1, true), false); // [N,1,1,C]
  return g.batchNorm(g.dense(g.flatten(h, 'flatten'), 'embedding'), 'embedding/bn');
}

/** Each family: its backbone class, whether its input size is fixed, and its graph. */
export const LAYERS_GRAPHS = Object.freeze({
  resnet: { backbone: ResNetBackbone, graph: resnetGraph },
  irResNet: { backbone: IrResNetBackbone, graph: irResNetGraph },
  mobileFaceNet: { backbone: MobileFaceNetBackbone, graph: mobileFaceNetGraph },
});

export type LayersGraphFamily = keyof typeof LAYERS_GRAPHS;

/** The family of `backbone`, or undefined for a backbone no graph transcribes. */
export function layersGraphFamily(backbone: Backbone): LayersGraphFamily | undefined {
  return (Object.keys(LAYERS_GRAPHS) as LayersGraphFamily[]).find(
    (family) => backbone instanceof LAYERS_GRAPHS[family].backbone,
  );
}

/**
 * A `tf.LayersModel` computing `backbone.apply(images, { training: false })` on
 * [N,inputSize,inputSize,C] inputs, holding copies of the backbone's current weights.
 *
 * @param inputSize required by the ResNets (any size works); IR-ResNet and MobileFaceNet are built
 *   for `config.inputSize` and take that by default.
 * @throws if the backbone's family has no graph, or `inputSize` is missing or differs from a fixed
 *   one.
 * @example
 * const model = buildLayersModel(backbone, { inputSize: 64 });
 * const embeddings = model.predict(images) as tf.Tensor2D; // [N, 128]
 */
export function buildLayersModel(
  backbone: Backbone,
  options: { inputSize?: number; name?: string } = {},
): tf.LayersModel {
  const fn = 'buildLayersModel';
  const family = layersGraphFamily(backbone);
  if (family === undefined) {
    throw new Error(
      `${fn}: no tf.layers graph for ${backbone.constructor.name}; expected one of ${Object.keys(LAYERS_GRAPHS).join(' | ')}`,
    );
  }
  const config = backbone.config as { inputSize?: number; inputChannels?: number };
  const fixed = config.inputSize;
  const inputSize = options.inputSize ?? fixed;
  if (inputSize === undefined || !(Number.isInteger(inputSize) && inputSize > 0)) {
    throw new Error(`${fn}: options.inputSize must be a positive integer, got ${inputSize}`);
  }
  if (fixed !== undefined && inputSize !== fixed) {
    throw new Error(
      `${fn}: ${backbone.constructor.name} is built for ${fixed}×${fixed} inputs, got options.inputSize ${inputSize}`,
    );
  }
  const g = new LayersBuilder(backbone.params);
  const input = tf.input({
    shape: [inputSize, inputSize, config.inputChannels ?? 3],
    name: 'images',
  });
  const graph = LAYERS_GRAPHS[family].graph as (
    g: LayersBuilder,
    x: Symbolic,
    b: Backbone,
  ) => Symbolic;
  return g.finish(input, graph(g, input, backbone), options.name ?? 'faceclr_embedding');
}
