/**
 * Online kNN accuracy during pretraining (Wu et al. 2018, "Unsupervised Feature Learning via
 * Non-Parametric Instance Discrimination", §3.4; the monitor solo-learn and lightly run): embed a
 * labelled held-out set with the current backbone (inference mode, centre view, the first view's
 * normalisation), then classify each image by its k nearest neighbours among the others (cosine
 * similarity, leave-one-out), votes weighted by exp(s/τ) with τ = 0.07. Images whose identity has
 * no other image in the set are not scored.
 *
 * (`src/eval/knn.ts` was not available when this was written; this is the trainer's own small
 * leave-one-out variant.)
 */
import { tf } from '../engine/tf';
import type { Framework } from '../frameworks/base';
import type { BatchReader } from '../data/loader';
import { imagesToTensor } from '../data/to_tensor';
import { Rng } from '../util/random';

export interface KnnProbeOptions {
  /** Neighbours voting (default 20). */
  k?: number;
  /** Use at most this many images, a seeded random subset (default 2000). */
  maxImages?: number;
  /** Side of the views the backbone is trained on (images are resized to it). */
  viewSize: number;
  /** Per-channel mean/std of the views, or null when views are left in [0, 1]. */
  normalize: { mean: number[]; std: number[] } | null;
  seed?: number | string;
  /** Images embedded at once (default 64). */
  chunk?: number;
}

const TAU = 0.07;

export class KnnProbe {
  private readonly indices: number[];

  /** @throws Error naming `KnnProbe` when the reader has no labels or fewer than 2 images. */
  constructor(
    private readonly reader: BatchReader,
    private readonly options: KnnProbeOptions,
  ) {
    if (!reader.labels)
      throw new Error(
        'KnnProbe: the held-out set must be labelled (identity folders or a labelled list)',
      );
    if (reader.count < 2)
      throw new Error(`KnnProbe: the held-out set needs ≥ 2 images, got ${reader.count}`);
    const all = Array.from({ length: reader.count }, (_, i) => i);
    const max = options.maxImages ?? 2000;
    this.indices = (
      all.length > max ? new Rng(options.seed ?? 0).shuffle(all).slice(0, max) : all
    ).sort((a, b) => a - b);
  }

  /** Number of images used. */
  get size(): number {
    return this.indices.length;
  }

  /** Leave-one-out kNN accuracy in [0, 1] (NaN when no image has a same-identity neighbour). */
  async accuracy(framework: Framework): Promise<number> {
    const chunk = this.options.chunk ?? 64;
    const parts: tf.Tensor2D[] = [];
    try {
      for (let s = 0; s < this.indices.length; s += chunk) {
        const ids = this.indices.slice(s, s + chunk);
        const bytes = await this.reader.readBatch(ids);
        const images = imagesToTensor(bytes, ids.length, this.reader.size);
        parts.push(
          tf.tidy(() => {
            let x: tf.Tensor4D = images;
            const size = this.options.viewSize;
            if (this.reader.size !== size) x = tf.image.resizeBilinear(x, [size, size], true);
            const norm = this.options.normalize;
            if (norm) x = tf.div(tf.sub(x, norm.mean), norm.std);
            const e = framework.embed(x);
            return tf.div(e, tf.maximum(tf.norm(e, 2, 1, true), 1e-12)) as tf.Tensor2D;
          }),
        );
        images.dispose();
      }
      const labels = this.indices.map((i) => this.reader.labels![i]);
      const n = labels.length;
      const k = Math.min(this.options.k ?? 20, n - 1);
      const { values, indices } = tf.tidy(() => {
        const e = tf.concat(parts, 0);
        const sim = tf.sub(tf.matMul(e, e, false, true), tf.mul(tf.eye(n), 1e9)); // [N,N], self out
        return tf.topk(sim, k);
      });
      const sims = await values.data();
      const nbrs = await indices.data();
      tf.dispose([values, indices]);
      const counts = new Map<number, number>();
      labels.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
      let correct = 0;
      let scored = 0;
      for (let i = 0; i < n; i++) {
        if (counts.get(labels[i])! < 2) continue;
        const votes = new Map<number, number>();
        for (let j = 0; j < k; j++) {
          const label = labels[nbrs[i * k + j]];
          votes.set(label, (votes.get(label) ?? 0) + Math.exp(sims[i * k + j] / TAU));
        }
        let best = -1;
        let bestVote = -Infinity;
        for (const [label, vote] of votes) if (vote > bestVote) [best, bestVote] = [label, vote];
        scored++;
        if (best === labels[i]) correct++;
      }
      return scored === 0 ? NaN : correct / scored;
    } finally {
      tf.dispose(parts);
    }
  }
}
