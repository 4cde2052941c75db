/** Synthetic training metrics and an LFW-like evaluation for the report tests. */
import type { MetricsRow } from '../../src/report';

/** `steps / every` metrics rows: decaying loss, cosine lr, rising kNN every 4th row. */
export function syntheticMetrics(steps = 200, every = 10): MetricsRow[] {
  const rows: MetricsRow[] = [];
  for (let step = every; step <= steps; step += every) {
    const t = step / steps;
    rows.push({
      step,
      loss: 5 * Math.exp(-3 * t) + 0.5,
      lr: 0.001 * 0.5 * (1 + Math.cos(Math.PI * t)),
      imagesPerSecond: 120 + 5 * Math.sin(step),
      embeddingStd: 0.05 + 0.03 * t,
      elapsed: step * 0.5,
      ...(step % (4 * every) === 0 ? { knnTop1: 0.2 + 0.5 * t } : {}),
    });
  }
  return rows;
}

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32;
}

/** Genuine scores around 0.6, impostor scores around 0.2, ten folds of results. */
export function syntheticEvaluation(pairs = 600) {
  const rand = lcg(42);
  const noise = () => (rand() + rand() + rand() - 1.5) * 0.3;
  const same = Array.from({ length: pairs / 2 }, () => 0.6 + noise());
  const different = Array.from({ length: pairs / 2 }, () => 0.2 + noise());
  const folds = Array.from({ length: 10 }, (_, fold) => ({
    fold,
    threshold: 0.4 + 0.01 * (fold % 3),
    trainAccuracy: 0.9,
    accuracy: 0.85 + 0.01 * (fold % 4),
    pairs: pairs / 10,
  }));
  return { same, different, folds };
}
