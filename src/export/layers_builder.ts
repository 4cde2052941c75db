/**
 * Builds a `tf.layers` graph that mirrors a faceclr backbone layer for layer, and copies the
 * backbone's variables into it by name once the model exists. Every faceclr layer maps onto a
 * stock Keras layer that plain `@tensorflow/tfjs` loads:
 *
 * | faceclr (`src/models/layers.ts`) | tf.layers |
 * | --- | --- |
 * | conv, PyTorch padding k//2 | `zeroPadding2d` + `conv2d` ('valid', no bias) |
 * | depthwise conv | `zeroPadding2d` + `depthwiseConv2d` ('valid', no bias) |
 * | batch norm (inference) | `batchNormalization` (ε as the backbone's, moving statistics) |
 * | PReLU `/alpha` [C] | `prelu` shared over H and W (alpha [1,1,C]) |
 * | dense | `dense` |
 *
 * Layer names are the variable path with `/` → `_` (`stage1/block0/conv1` → `stage1_block0_conv1`;
 * `embedding` → `embedding_layer`, so that no tfjs variable name equals a faceclr one).
 */
import { tf } from '../engine/tf';
import type { ParamStore } from '../models/params';

type Symbolic = tf.SymbolicTensor;

// Never a faceclr variable path: tfjs registers `<layer>/kernel` globally, as faceclr does its own.
const layerName = (path: string) =>
  path.includes('/') ? path.replace(/\//g, '_') : `${path}_layer`;

/** A graph under construction plus the variables each layer takes. */
export class LayersBuilder {
  private readonly assignments: { layer: tf.layers.Layer; weights: () => tf.Tensor[] }[] = [];

  /** @param epsilon the batch norms' ε (faceclr uses 1e-5 throughout). */
  constructor(
    readonly params: ParamStore,
    readonly epsilon = 1e-5,
  ) {}

  /** Whether the backbone has variable `name` (e.g. to tell a projection shortcut is there). */
  has(name: string): boolean {
    return this.params.variables.has(name);
  }

  private use<T extends tf.layers.Layer>(
    layer: T,
    x: Symbolic,
    weights: () => tf.Tensor[],
  ): Symbolic {
    this.assignments.push({ layer, weights });
    return layer.apply(x) as Symbolic;
  }

  private pad(x: Symbolic, name: string, p: number): Symbolic {
    if (p === 0) return x;
    const padding: [[number, number], [number, number]] = [
      [p, p],
      [p, p],
    ];
    return tf.layers
      .zeroPadding2d({ padding, name: `${layerName(name)}_pad` })
      .apply(x) as Symbolic;
  }

  /** `name/kernel` [k,k,in,out]; PyTorch-style padding k//2 unless `valid`. */
  conv(x: Symbolic, name: string, stride: number, valid = false): Symbolic {
    const kernel = this.params.get(`${name}/kernel`);
    const [k, , , filters] = kernel.shape;
    const padded = this.pad(x, name, valid ? 0 : Math.floor(k / 2));
    const layer = tf.layers.conv2d({
      filters,
      kernelSize: k,
      strides: stride,
      padding: 'valid',
      useBias: false,
      kernelInitializer: 'zeros', // overwritten by `finish`; random initialisers cost time
      name: layerName(name),
    });
    return this.use(layer, padded, () => [kernel]);
  }

  /** `name/depthwise_kernel` [k,k,C,1]; padding k//2, or none with `valid`. */
  depthwise(x: Symbolic, name: string, stride: number, valid = false): Symbolic {
    const kernel = this.params.get(`${name}/depthwise_kernel`);
    const k = kernel.shape[0];
    const padded = this.pad(x, name, valid ? 0 : Math.floor(k / 2));
    const layer = tf.layers.depthwiseConv2d({
      kernelSize: k,
      strides: stride,
      depthMultiplier: 1,
      padding: 'valid',
      useBias: false,
      depthwiseInitializer: 'zeros',
      name: layerName(name),
    });
    return this.use(layer, padded, () => [kernel]);
  }

  /** Inference batch norm from `name/{gamma,beta,moving_mean,moving_variance}`. */
  batchNorm(x: Symbolic, name: string): Symbolic {
    const layer = tf.layers.batchNormalization({
      axis: -1,
      epsilon: this.epsilon,
      name: layerName(name),
    });
    const names = ['gamma', 'beta', 'moving_mean', 'moving_variance'];
    return this.use(layer, x, () => names.map((n) => this.params.get(`${name}/${n}`)));
  }

  relu(x: Symbolic, name: string): Symbolic {
    return tf.layers.reLU({ name: `${layerName(name)}_relu` }).apply(x) as Symbolic;
  }

  /** PReLU with `name/alpha` [C], shared over the spatial axes of an [N,H,W,C] input. */
  prelu(x: Symbolic, name: string): Symbolic {
    const alpha = this.params.get(`${name}/alpha`);
    const layer = tf.layers.prelu({ sharedAxes: [1, 2], name: layerName(name) });
    return this.use(layer, x, () => [tf.reshape(alpha, [1, 1, alpha.shape[0]])]);
  }

  /** `name/kernel` [in,out] and `name/bias` when the backbone has one. */
  dense(x: Symbolic, name: string): Symbolic {
    const kernel = this.params.get(`${name}/kernel`);
    const bias = this.has(`${name}/bias`) ? this.params.get(`${name}/bias`) : undefined;
    const layer = tf.layers.dense({
      units: kernel.shape[1] as number,
      useBias: bias !== undefined,
      kernelInitializer: 'zeros',
      name: layerName(name),
    });
    return this.use(layer, x, () => (bias ? [kernel, bias] : [kernel]));
  }

  add(a: Symbolic, b: Symbolic, name: string): Symbolic {
    return tf.layers.add({ name: `${layerName(name)}_add` }).apply([a, b]) as Symbolic;
  }

  flatten(x: Symbolic, name: string): Symbolic {
    return tf.layers.flatten({ name: layerName(name) }).apply(x) as Symbolic;
  }

  globalAveragePool(x: Symbolic, name: string): Symbolic {
    return tf.layers.globalAveragePooling2d({ name: layerName(name) }).apply(x) as Symbolic;
  }

  /**
   * The finished model with the backbone's current values copied in.
   * @throws if a layer's weights do not match the variables' shapes (naming the layer).
   */
  finish(input: Symbolic, output: Symbolic, name: string): tf.LayersModel {
    const model = tf.model({ inputs: input, outputs: output, name });
    for (const { layer, weights } of this.assignments) {
      const values = weights();
      try {
        layer.setWeights(values);
      } catch (e) {
        model.dispose();
        throw new Error(`LayersBuilder.finish: layer '${layer.name}': ${(e as Error).message}`, {
          cause: e,
        });
      } finally {
        for (const v of values) if (!(v instanceof tf.Variable)) v.dispose();
      }
    }
    return model;
  }
}
