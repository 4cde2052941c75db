/**
 * Weighted k-nearest-neighbour classification on cosine similarity, the standard frozen-feature
 * probe of self-supervised learning (Wu et al., "Unsupervised Feature Learning via Non-Parametric
 * Instance Discrimination", CVPR 2018; DINO's `eval_knn.py`, Caron et al. 2021):
 *
 *   score(c) = Σ_{j ∈ top-k(i)} w_ij · [y_j = c],   w_ij = cos(x_i, t_j)   or   exp(cos(x_i, t_j)/T),
 *
 * the prediction is argmax_c score(c). Weights are the raw similarities by default; pass
 * `temperature` (DINO: 0.07) for DINO's exp(s/T) weighting. Ties in the score go to the class of
 * the more similar neighbour; ties in similarity to the lower training index. k is capped at the
 * number of training rows.
 */
import { normalizeRows, readIntegers, readRows, rowDot } from './checks';

/** Embedding rows with one label each. */
export interface LabelledEmbeddings {
  /** [count][dim] (need not be normalised). */
  embeddings: readonly ArrayLike<number>[];
  /** [count] integer class ids ≥ 0. */
  labels: ArrayLike<number>;
}

export interface KnnOptions {
  /** Neighbours (default 20). */
  k?: number;
  /** T of DINO's exp(cos/T) weights; default: weights are the cosines. */
  temperature?: number;
}

const FN = 'knnClassify';

/**
 * Cosine kNN top-1 accuracy of `test` against `train`.
 *
 * @returns top-1 accuracy and the predicted label of each test row.
 * @throws Error naming `knnClassify` and the argument for ragged or mismatched embeddings, bad
 *   labels, k < 1 or a non-positive temperature.
 * @example knnClassify(train, test, { k: 20, temperature: 0.07 }).top1
 */
export function knnClassify(
  train: LabelledEmbeddings,
  test: LabelledEmbeddings,
  options: KnnOptions = {},
): { top1: number; predictions: Int32Array } {
  const { k = 20, temperature } = options;
  const a = readRows(train?.embeddings, FN, 'train.embeddings');
  const b = readRows(test?.embeddings, FN, 'test.embeddings');
  if (b.dim !== a.dim)
    throw new Error(`${FN}: test.embeddings must have dim ${a.dim} like train, got ${b.dim}`);
  const trainLabels = readIntegers(train.labels, FN, 'train.labels', a.count);
  const testLabels = readIntegers(test.labels, FN, 'test.labels', b.count);
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`${FN}: options.k must be an integer >= 1, got ${k}`);
  if (temperature !== undefined && !(temperature > 0 && Number.isFinite(temperature))) {
    throw new Error(`${FN}: options.temperature must be a finite number > 0, got ${temperature}`);
  }
  const [trainRows, testRows] = [normalizeRows(a.values, a.dim), normalizeRows(b.values, b.dim)];
  const kk = Math.min(k, a.count);
  const predictions = new Int32Array(b.count);
  let correct = 0;
  const [topIndex, topSim] = [new Int32Array(kk), new Float64Array(kk)];
  for (let i = 0; i < b.count; i++) {
    let filled = 0;
    for (let j = 0; j < a.count; j++) {
      const sim = rowDot(testRows, i, trainRows, j, a.dim);
      if (filled === kk && sim <= topSim[kk - 1]) continue;
      let at = filled < kk ? filled++ : kk - 1; // insertion into the descending top-k list
      while (at > 0 && topSim[at - 1] < sim) {
        topSim[at] = topSim[at - 1];
        topIndex[at] = topIndex[at - 1];
        at--;
      }
      topSim[at] = sim;
      topIndex[at] = j;
    }
    const votes = new Map<number, number>();
    for (let r = 0; r < kk; r++) {
      const w = temperature === undefined ? topSim[r] : Math.exp(topSim[r] / temperature);
      const label = trainLabels[topIndex[r]];
      votes.set(label, (votes.get(label) ?? 0) + w);
    }
    let [best, bestScore] = [-1, -Infinity];
    for (let r = 0; r < kk; r++) {
      const label = trainLabels[topIndex[r]]; // neighbours in similarity order: ties go to the nearer
      const score = votes.get(label) as number;
      if (score > bestScore) [best, bestScore] = [label, score];
    }
    predictions[i] = best;
    correct += best === testLabels[i] ? 1 : 0;
  }
  return { top1: correct / b.count, predictions };
}
