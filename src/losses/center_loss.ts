/**
 * Center loss (Wen et al., "A Discriminative Feature Learning Approach for Deep Face
 * Recognition", ECCV 2016, eqs. 2-4), used jointly with softmax: L = L_S + λ·L_C with
 *
 *   L_C = ½ · (1/N) Σ_i ‖x_i − c_{y_i}‖²
 *
 * (the paper sums over the batch; the mean here keeps λ independent of the batch size; the
 * gradient w.r.t. x_i is (x_i − c_{y_i})/N). The centres are not trained by the gradient: after each
 * step, {@link CenterLoss.update} moves them at their own rate α (eq. 4):
 *
 *   Δc_j = Σ_i δ(y_i = j)(c_j − x_i) / (1 + Σ_i δ(y_i = j)),   c_j ← c_j − α·Δc_j.
 *
 * Gather-free: c_{y_i} is picked by a one-hot matMul.
 */
import { tf } from '../engine/tf';
import { assertInteger, assertMatrix, assertPositive } from './checks';
import { ClassLabels, oneHotMask, readLabels } from './class_labels';

export interface CenterLossOptions {
  /** C, the number of classes. */
  classes: number;
  /** D, the feature dimension. */
  dim: number;
  /** α, the centre learning rate, in (0, 1] (default 0.5, the paper's). */
  alpha?: number;
  /** Variable name prefix (default: tfjs's unique automatic name; names must be unique). */
  name?: string;
}

const FN = 'CenterLoss';

/**
 * Class centres and the centre loss. Centres start at 0.
 *
 * @example
 * const center = new CenterLoss({ classes: 10, dim: 2, alpha: 0.5 });
 * optimizer.minimize(() =>
 *   tf.add(crossEntropy(softmaxLogits(model(x), w), labels), tf.mul(0.003, center.loss(model(x), labels))),
 * );
 * center.update(features, labels); // after the step, with the step's features
 * center.dispose();
 */
export class CenterLoss {
  /** [C, D] centres (not trainable). */
  readonly centers: tf.Variable<tf.Rank.R2>;
  readonly classes: number;
  readonly dim: number;
  readonly alpha: number;

  /** @throws Error naming `CenterLoss` and the option for bad classes, dim or α. */
  constructor(options: CenterLossOptions) {
    const { classes, dim, alpha = 0.5, name } = options;
    assertInteger(classes, FN, 'options.classes', 1);
    assertInteger(dim, FN, 'options.dim', 1);
    assertPositive(alpha, FN, 'options.alpha');
    if (alpha > 1) throw new Error(`${FN}: options.alpha must be in (0, 1], got ${alpha}`);
    [this.classes, this.dim, this.alpha] = [classes, dim, alpha];
    const initial = tf.zeros([classes, dim]) as tf.Tensor2D;
    this.centers = tf.variable(initial, false, name === undefined ? undefined : `${name}/centers`);
    initial.dispose(); // the variable keeps its own reference to the data
  }

  private check(method: string, features: tf.Tensor2D, labels: ClassLabels): Int32Array {
    const fn = `${FN}.${method}`;
    assertMatrix(features, fn, 'features');
    if (features.shape[1] !== this.dim) {
      throw new Error(`${fn}: features must have dim ${this.dim}, got shape [${features.shape}]`);
    }
    return readLabels(labels, features.shape[0], this.classes, fn);
  }

  /**
   * L_C of the module comment (centres are constants here).
   *
   * @param features [N, D]; @param labels [N] in [0, C).
   * @returns scalar.
   */
  loss(features: tf.Tensor2D, labels: ClassLabels): tf.Scalar {
    const y = this.check('loss', features, labels);
    return tf.tidy(() => {
      const own = tf.matMul(oneHotMask(y, this.classes), this.centers); // [N,C]·[C,D] → [N,D]
      return tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(features, own)), 1))) as tf.Scalar;
    });
  }

  /**
   * Moves the centres by eq. 4 (outside the gradient; call after the optimiser step).
   *
   * @param features [N, D] the batch's features; @param labels [N].
   */
  update(features: tf.Tensor2D, labels: ClassLabels): void {
    const y = this.check('update', features, labels);
    tf.tidy(() => {
      const oneHot = oneHotMask(y, this.classes); // [N, C]
      const sums = tf.matMul(oneHot, features, true, false); // [C,N]·[N,D] → [C,D]
      const counts = tf.reshape(tf.sum(oneHot, 0), [-1, 1]); // [C, 1]
      const delta = tf.div(tf.sub(tf.mul(counts, this.centers), sums), tf.add(counts, 1)); // [C, D]
      this.centers.assign(tf.sub(this.centers, tf.mul(this.alpha, delta)) as tf.Tensor2D);
    });
  }

  /** Frees the centres. */
  dispose(): void {
    this.centers.dispose();
  }
}
