/**
 * Linear probe: softmax logistic regression on frozen, L2-normalised embeddings, the standard
 * linear evaluation of self-supervised features (e.g. SimCLR §B.6, without augmentation):
 *
 *   min_{W,b}  −(1/N) Σ_i log softmax(x̂_i W + b)[y_i]  +  (λ/2)·‖W‖²,
 *
 * trained full-batch for a fixed number of epochs (one step per epoch) with Adam (default) or
 * plain gradient descent, from a seeded N(0, 0.01²) W and b = 0; the weight decay λ is the coupled
 * L2 penalty on W (not on b). Runs on the current tfjs backend; all tensors are freed before it
 * returns. Gather-free (one-hot targets), so it runs on wasm.
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';
import { normalizeRows, readIntegers, readRows } from './checks';
import type { LabelledEmbeddings } from './knn';

export interface LinearProbeOptions {
  /** Full-batch steps (default 200). */
  epochs?: number;
  /** Step size (default 0.05 for Adam, use ~1 for `sgd`). */
  learningRate?: number;
  /** `adam` (default) or `sgd` (plain gradient descent). */
  optimizer?: 'adam' | 'sgd';
  /** λ of the L2 penalty on W (default 1e-4). */
  weightDecay?: number;
  /** Seed of W's initialisation (default 0). */
  seed?: number;
  /** Number of classes (default: 1 + the largest label in train or test). */
  classes?: number;
}

export interface LinearProbeResult {
  /** Top-1 accuracy on `test`. */
  top1: number;
  /** Top-1 accuracy on `train` after training. */
  trainTop1: number;
  /** The training objective (cross-entropy + penalty) at the last step, before its update. */
  loss: number;
}

const FN = 'linearProbe';

function oneHot(labels: Int32Array, classes: number): tf.Tensor2D {
  const v = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (v[i * classes + l] = 1));
  return tf.tensor2d(v, [labels.length, classes]);
}

function top1(logits: tf.Tensor2D, labels: Int32Array): number {
  const predicted = tf.tidy(() => tf.argMax(logits, 1).dataSync());
  return labels.reduce((a, l, i) => a + (predicted[i] === l ? 1 : 0), 0) / labels.length;
}

/**
 * Trains a linear softmax classifier on `train` and reports top-1 on `test`.
 *
 * @throws Error naming `linearProbe` and the argument for ragged or mismatched embeddings, bad
 *   labels, or options out of range.
 * @example const { top1 } = linearProbe(trainSet, testSet, { epochs: 300, seed: 1 });
 */
export function linearProbe(
  train: LabelledEmbeddings,
  test: LabelledEmbeddings,
  options: LinearProbeOptions = {},
): LinearProbeResult {
  const { epochs = 200, optimizer = 'adam', weightDecay = 1e-4, seed = 0 } = options;
  const learningRate = options.learningRate ?? 0.05;
  const a = readRows(train?.embeddings, FN, 'train.embeddings');
  const b = readRows(test?.embeddings, FN, 'test.embeddings');
  if (b.dim !== a.dim)
    throw new Error(`${FN}: test.embeddings must have dim ${a.dim} like train, got ${b.dim}`);
  const trainLabels = readIntegers(train.labels, FN, 'train.labels', a.count);
  const testLabels = readIntegers(test.labels, FN, 'test.labels', b.count);
  const largest = Math.max(...trainLabels, ...testLabels);
  const classes = options.classes ?? largest + 1;
  if (!Number.isInteger(classes) || classes <= largest || classes < 2) {
    throw new Error(
      `${FN}: options.classes must be an integer >= 2 and > every label (${largest}), got ${classes}`,
    );
  }
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`${FN}: options.epochs must be an integer >= 1, got ${epochs}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new Error(`${FN}: options.learningRate must be a finite number > 0, got ${learningRate}`);
  }
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
    throw new Error(`${FN}: options.weightDecay must be a finite number >= 0, got ${weightDecay}`);
  }
  if (optimizer !== 'adam' && optimizer !== 'sgd') {
    throw new Error(`${FN}: options.optimizer must be 'adam' | 'sgd', got '${String(optimizer)}'`);
  }

  const rng = new Rng(seed);
  const init = Float32Array.from({ length: a.dim * classes }, () => rng.normal(0, 0.01));
  const [initialW, initialB] = [tf.tensor2d(init, [a.dim, classes]), tf.zeros([classes])];
  const weights = tf.variable(initialW);
  const bias = tf.variable(initialB);
  tf.dispose([initialW, initialB]);
  const x = tf.tensor2d(Float32Array.from(normalizeRows(a.values, a.dim)), [a.count, a.dim]);
  const xTest = tf.tensor2d(Float32Array.from(normalizeRows(b.values, b.dim)), [b.count, b.dim]);
  const targets = oneHot(trainLabels, classes);
  const opt = optimizer === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
  const logitsOf = (inputs: tf.Tensor2D) => tf.add(tf.matMul(inputs, weights), bias) as tf.Tensor2D; // [N,D]·[D,C] + [C]
  const objective = () =>
    tf.tidy(() => {
      const crossEntropy = tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logitsOf(x))), 1)));
      return tf.add(crossEntropy, tf.mul(weightDecay / 2, tf.sum(tf.square(weights)))) as tf.Scalar;
    });
  try {
    let loss = NaN;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const value = opt.minimize(objective, epoch === epochs - 1, [weights, bias]);
      if (value) {
        loss = value.dataSync()[0];
        value.dispose();
      }
    }
    return {
      top1: tf.tidy(() => top1(logitsOf(xTest), testLabels)),
      trainTop1: tf.tidy(() => top1(logitsOf(x), trainLabels)),
      loss,
    };
  } finally {
    opt.dispose();
    tf.dispose([weights, bias, x, xTest, targets]);
  }
}
