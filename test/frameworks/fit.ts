/**
 * Test fixtures for the frameworks: a tiny ResNet, synthetic images with two noisy views, the
 * trainer's step written out (variableGrads + optimizer.apply + onStepEnd), and a collapse metric.
 */
import { tf } from '../../src/engine/tf';
import type { Framework, StepContext } from '../../src/frameworks/base';
import { ResNetBackbone } from '../../src/models/resnet';
import { AdamOptimizer } from '../../src/train/optim/adam';

/** A resnet18-narrow-like net shrunk for tests: one block per stage, widths 8-16, 16-d output. */
export function tinyBackbone(seed: number | string = 0): ResNetBackbone {
  return new ResNetBackbone(
    {
      blocks: [1, 1, 1, 1],
      widths: [8, 8, 16, 16],
      stemKernel: 3,
      stemStride: 1,
      embeddingSize: 16,
    },
    seed,
  );
}

/** Small heads for the tiny backbone. */
export const TINY_HEAD = { hiddenFeatures: 32, outFeatures: 16 } as const;

/**
 * `count` distinct smooth colour images [count,size,size,3] in [0,1]: seeded 4×4 noise upsampled
 * bilinearly, so each image has its own low-frequency pattern a network can recognise.
 */
export function syntheticImages(count: number, size: number, seed = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const low = tf.randomUniform([count, 4, 4, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
    return tf.image.resizeBilinear(low, [size, size], true);
  });
}

/** A view of `images`: additive Gaussian noise (σ = 0.1) and, for `size`, a resize. */
export function noisyView(images: tf.Tensor4D, seed: number, size?: number): tf.Tensor4D {
  return tf.tidy(() => {
    const x = size ? tf.image.resizeBilinear(images, [size, size], true) : images;
    return tf.add(x, tf.randomNormal(x.shape, 0, 0.1, 'float32', seed)) as tf.Tensor4D;
  });
}

export interface FitResult {
  losses: number[];
  /** tf.memory().numTensors after each step. */
  tensors: number[];
}

/**
 * The trainer's loop in miniature: `steps` Adam steps on views from `makeViews(step)`.
 * Views are disposed after each step; the optimizer is disposed at the end.
 */
export function fit(
  fw: Framework,
  makeViews: (step: number) => tf.Tensor4D[],
  steps: number,
  options: { lr?: number; labels?: tf.Tensor1D; inspect?: (ctx: StepContext) => void } = {},
): FitResult {
  const optimizer = new AdamOptimizer();
  const losses: number[] = [];
  const tensors: number[] = [];
  for (let step = 0; step < steps; step++) {
    const ctx: StepContext = { step, totalSteps: steps, labels: options.labels };
    const views = makeViews(step);
    const vars = fw.trainableVariables(ctx);
    const { value, grads } = tf.variableGrads(() => fw.loss(views, ctx), Object.values(vars));
    optimizer.apply(grads, vars, options.lr ?? 3e-3);
    options.inspect?.(ctx);
    fw.onStepEnd(ctx);
    losses.push(value.dataSync()[0]);
    tf.dispose([value, ...Object.values(grads), ...views]);
    tensors.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  return { losses, tensors };
}

/** Mean of the first and of the last `k` losses. */
export function lossDrop(losses: number[], k = 3): { before: number; after: number } {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { before: mean(losses.slice(0, k)), after: mean(losses.slice(-k)) };
}

/**
 * Collapse metric (as in the SimSiam paper, §4, Fig. 2): the mean over dimensions of the std of
 * L2-normalised embeddings across samples. A collapsed representation gives 0; embeddings spread
 * uniformly on the unit sphere of R^D give ≈ 1/√D. Tests require > 0.1/√D: at least a tenth of
 * the uniform spread, far above the ~1e-3/√D of a collapsed network.
 */
export function embeddingSpread(embeddings: tf.Tensor2D): number {
  return tf.tidy(() => {
    const norm = tf.div(embeddings, tf.norm(embeddings, 'euclidean', 1, true));
    const { variance } = tf.moments(norm, 0);
    return tf.mean(tf.sqrt(variance)).dataSync()[0];
  });
}

/**
 * A smoke fit with the checks every framework must pass: the mean of the last 3 losses is below
 * the mean of the first 3 (after `warmup`) by `minDrop`; numTensors is the same after every step but the first
 * (which creates the optimizer's slots); nothing is left behind after the fit; the backbone's
 * inference embeddings of `images` are not collapsed ({@link embeddingSpread} > 0.1/√D).
 */
export function expectHealthyFit(
  name: string,
  fw: Framework,
  images: tf.Tensor4D,
  makeViews: (step: number) => tf.Tensor4D[],
  options: {
    steps?: number;
    lr?: number;
    labels?: tf.Tensor1D;
    minDrop?: number;
    /** Leading steps left out of the loss comparison (while a queue fills). */
    warmup?: number;
  } = {},
): FitResult {
  const start = tf.memory().numTensors;
  const result = fit(fw, makeViews, options.steps ?? 15, options);
  const losses = result.losses.slice(options.warmup ?? 0);
  const { before, after } = lossDrop(losses);
  expect(after).toBeLessThan(before - (options.minDrop ?? 0.05));
  expect(new Set(result.tensors.slice(1)).size).toBe(1);
  expect(tf.memory().numTensors).toBe(start);
  const embeddings = fw.embed(images);
  const spread = embeddingSpread(embeddings);
  report(name, losses, spread * Math.sqrt(embeddings.shape[1]));
  expect(spread).toBeGreaterThan(0.1 / Math.sqrt(embeddings.shape[1]));
  embeddings.dispose();
  return result;
}

/** With FACECLR_TEST_LOG=1, prints a smoke fit's first and last losses and spread (for reports). */
export function report(name: string, losses: number[], spreadTimesSqrtD: number): void {
  if (!process.env.FACECLR_TEST_LOG) return;
  const { before, after } = lossDrop(losses);
  const text = `${before.toFixed(4)} -> ${after.toFixed(4)}, spread·√D ${spreadTimesSqrtD.toFixed(3)}`;
  process.stdout.write(`[smoke] ${name}: ${text}\n`);
}

const owned: { dispose(): void }[] = [];

/**
 * Registers a framework (or anything disposable) to be disposed after the current test, so that a
 * failing test does not leave variables whose global names clash with the next test's.
 */
export function disposeLater<T extends { dispose(): void }>(x: T): T {
  owned.push(x);
  return x;
}

afterEach(() => {
  for (const x of owned.splice(0).reverse()) x.dispose();
});
