/**
 * SwAV prototypes (Caron et al. 2020, "Unsupervised Learning of Visual Features by Contrasting
 * Cluster Assignments", §3.1): K trainable vectors c_k ∈ R^D kept on the unit sphere. Scores are
 * the cosines z·c_k of the L2-normalised projections z with every prototype, the input of the
 * Sinkhorn-Knopp codes and of the swapped-prediction softmax (`src/losses/swav.ts`).
 *
 * Columns of the [D,K] weight are renormalised by `normalize()`, which the training loop calls
 * after each optimizer step (as `w.data = F.normalize(w.data)` in the reference code).
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { ParamStore } from './params';

export interface PrototypeHeadConfig {
  /** D, the projection size. */
  inFeatures: number;
  /** K, the number of prototypes (SwAV: 3000 on ImageNet; a few hundred for small sets). */
  prototypes: number;
}

/** [N,D] projections → [N,K] prototype scores; owns the [D,K] weight `<name>/kernel`. */
export class PrototypeHead {
  readonly params: ParamStore;
  /** The [D,K] prototype matrix, one unit-norm prototype per column. */
  readonly weight: tf.Variable;

  /** @throws if `inFeatures` or `prototypes` is not a positive integer. */
  constructor(
    readonly config: PrototypeHeadConfig,
    seed: number | string,
    name = 'prototypes',
  ) {
    for (const key of ['inFeatures', 'prototypes'] as const) {
      const value = config[key];
      if (!(Number.isInteger(value) && value > 0)) {
        throw new Error(`PrototypeHead: config.${key} must be a positive integer, got ${value}`);
      }
    }
    this.params = new ParamStore(new Rng(`${seed}:${name}`));
    this.weight = this.params.create(
      `${name}/kernel`,
      [config.inFeatures, config.prototypes],
      'glorot',
    );
    this.normalize();
  }

  /**
   * Scores of each row of `z` against each prototype: normalise(z)·W.
   * @param z [N,D] projections; rows are L2-normalised here (a no-op if they already are).
   * @returns [N,K] cosines in [−1, 1].
   * @throws if z is not [N,D].
   * @example
   * const scores = prototypes.apply(projector.apply(backbone.apply(x, ctx), ctx)); // [N,K]
   */
  apply(z: tf.Tensor2D): tf.Tensor2D {
    if (z.rank !== 2 || z.shape[1] !== this.config.inFeatures) {
      throw new Error(
        `PrototypeHead.apply: z must be [N,${this.config.inFeatures}], got [${z.shape}]`,
      );
    }
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(z), 1, true), 1e-24)); // [N,1]
      return tf.matMul(tf.div(z, norm) as tf.Tensor2D, this.weight as tf.Tensor2D); // [N,D]·[D,K]
    });
  }

  /** Rescales every prototype (column of W) to unit L2 norm, in place. Not differentiated. */
  normalize(): void {
    tf.tidy(() => {
      const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(this.weight), 0, true), 1e-24)); // [1,K]
      this.weight.assign(tf.div(this.weight, norm));
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
