/**
 * The classifier of margin-loss training (principle 3): a `MarginHead` owns the class weights
 * W ∈ ℝ^{D×C} and produces cosines cos θ_ij = x̂_i · ŵ_j (rows of x and columns of W L2-normalised
 * at every call, as insightface's `PartialFC`). A margin transform (`arcfaceLogits`,
 * `cosfaceLogits`, `sphereFaceLogits`) turns the cosines into logits, and `crossEntropy` follows.
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { assertInteger, assertMatrix } from './checks';
import { l2Normalize } from './similarity_logits';

export { crossEntropy } from './cross_entropy';

export interface MarginHeadOptions {
  /** D, the embedding dimension. */
  dim: number;
  /** C, the number of classes. */
  classes: number;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
  /**
   * `glorotNormal`: N(0, 2/(D + C)) (default); `normal`: N(0, 0.01²) (insightface's PartialFC).
   * The scale is irrelevant to the cosines; it only sets the effective learning rate.
   */
  init?: 'glorotNormal' | 'normal';
  /** Variable name prefix (default: tfjs's unique automatic name; names must be unique). */
  name?: string;
}

const FN = 'MarginHead';

/**
 * Class weights for margin losses.
 *
 * @example
 * const head = new MarginHead({ dim: 512, classes: 1000, seed: 1 });
 * const loss = crossEntropy(arcfaceLogits(head.cosine(embeddings), labels), labels);
 * head.dispose();
 */
export class MarginHead {
  /** [D, C] raw class weights (normalised per column in {@link cosine}). */
  readonly weights: tf.Variable<tf.Rank.R2>;
  readonly dim: number;
  readonly classes: number;

  /** @throws Error naming `MarginHead` and the option for a bad dim, classes or init. */
  constructor(options: MarginHeadOptions) {
    const { dim, classes, seed = 0, init = 'glorotNormal', name } = options;
    assertInteger(dim, FN, 'options.dim', 1);
    assertInteger(classes, FN, 'options.classes', 1);
    if (init !== 'glorotNormal' && init !== 'normal') {
      throw new Error(
        `${FN}: options.init must be 'glorotNormal' | 'normal', got '${String(init)}'`,
      );
    }
    const std = init === 'normal' ? 0.01 : Math.sqrt(2 / (dim + classes));
    const rng = new Rng(seed);
    const values = Float32Array.from({ length: dim * classes }, () => rng.normal(0, std));
    this.dim = dim;
    this.classes = classes;
    const initial = tf.tensor2d(values, [dim, classes]);
    this.weights = tf.variable(initial, true, name === undefined ? undefined : `${name}/weights`);
    initial.dispose(); // the variable keeps its own reference to the data
  }

  /**
   * @param embeddings [N, D] (need not be unit length).
   * @returns [N, C] cosines x̂ · Ŵ.
   * @throws Error naming `MarginHead.cosine` for a non-[N, D] input.
   */
  cosine(embeddings: tf.Tensor2D): tf.Tensor2D {
    assertMatrix(embeddings, `${FN}.cosine`, 'embeddings');
    if (embeddings.shape[1] !== this.dim) {
      throw new Error(
        `${FN}.cosine: embeddings must have dim ${this.dim}, got shape [${embeddings.shape}]`,
      );
    }
    return tf.tidy(() => {
      const w = tf.transpose(l2Normalize(tf.transpose(this.weights))); // unit columns, [D, C]
      return tf.matMul(l2Normalize(embeddings), w) as tf.Tensor2D; // [N,D]·[D,C] → [N,C]
    });
  }

  /** The head's trainable variables (the class weights). */
  trainableVariables(): tf.Variable[] {
    return [this.weights];
  }

  /** Frees the weights. */
  dispose(): void {
    this.weights.dispose();
  }
}
