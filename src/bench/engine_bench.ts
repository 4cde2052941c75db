/**
 * `faceclr bench engine`: times the reference step (see reference_step.ts) and puts it against
 * the same backend's matMul throughput (the roofline) and, optionally, the `cpu` backend.
 */
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { RESNET_CONFIGS } from '../models/resnet';
import { Rng } from '../util/random';
import { resnetLayerFlops, trainingStepFlops } from './flops';
import { createReferenceStep, REFERENCE_PROJECTOR } from './reference_step';

export interface EngineBenchOptions {
  backend?: string;
  threads?: number;
  /** Images per view (the step sees 2× this). Default 64. */
  batch?: number;
  /** Image side. Default 64. */
  size?: number;
  /** Timed steps (median reported). Default 5. */
  steps?: number;
  /** Untimed warm-up steps. Default 2. */
  warmup?: number;
  /** Also time the cpu backend on one step of `compareBatch` images per view. */
  compareCpu?: boolean;
  compareBatch?: number;
  /** Per-kernel profile of one step. */
  profile?: boolean;
  seed?: number;
  onStep?: (done: number, total: number, ms: number) => void;
}

export interface KernelProfileRow {
  kernel: string;
  ms: number;
  calls: number;
  share: number;
}

export interface EngineBenchResult {
  backend: string;
  threads: number;
  batch: number;
  size: number;
  imagesPerSecond: number;
  msPerStep: number;
  stepMs: number[];
  stepGflops: number;
  matmulGflops: number;
  rooflineFraction: number;
  peakRssMb: number;
  tensorsBefore: number;
  tensorsAfter: number;
  compare?: {
    backend: 'cpu';
    batch: number;
    msPerStep: number;
    imagesPerSecond: number;
    speedRatio: number;
  };
  profile?: KernelProfileRow[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function randomViews(batch: number, size: number, seed: number): [tf.Tensor4D, tf.Tensor4D] {
  const rng = new Rng(seed);
  const make = () => {
    const values = new Float32Array(batch * size * size * 3);
    for (let i = 0; i < values.length; i++) values[i] = rng.next();
    return tf.tensor4d(values, [batch, size, size, 3]);
  };
  return [make(), make()];
}

/** GFLOP/s of a 1024×1024×1024 matMul on the current backend (median of 5). */
export function measureMatmulGflops(n = 1024): number {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2) as tf.Tensor2D;
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    if (i > 0) times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

function timeSteps(
  batch: number,
  size: number,
  steps: number,
  warmup: number,
  seed: number,
  onStep?: EngineBenchOptions['onStep'],
) {
  const step = createReferenceStep(seed);
  const [v1, v2] = randomViews(batch, size, seed + 1);
  for (let i = 0; i < warmup; i++) step.step(v1, v2);
  const tensorsBefore = tf.memory().numTensors;
  const stepMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const loss = step.step(v1, v2);
    if (!Number.isFinite(loss))
      throw new Error(`bench engine: non-finite loss ${loss} at step ${i}`);
    stepMs.push(performance.now() - t0);
    onStep?.(i + 1, steps, stepMs[i]);
  }
  const tensorsAfter = tf.memory().numTensors;
  return { step, views: [v1, v2] as const, stepMs, tensorsBefore, tensorsAfter };
}

async function profileStep(batch: number, size: number, seed: number): Promise<KernelProfileRow[]> {
  const step = createReferenceStep(seed);
  const [v1, v2] = randomViews(batch, size, seed + 1);
  step.step(v1, v2);
  const info = await tf.profile(() => {
    step.step(v1, v2);
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = Number(await k.kernelTimeMs) || 0;
    const row = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    row.ms += ms;
    row.calls += 1;
    byKernel.set(k.name, row);
  }
  step.dispose();
  tf.dispose([v1, v2]);
  const total = [...byKernel.values()].reduce((s, r) => s + r.ms, 0) || 1;
  return [...byKernel.entries()]
    .map(([kernel, r]) => ({ kernel, ms: r.ms, calls: r.calls, share: r.ms / total }))
    .sort((a, b) => b.ms - a.ms);
}

export async function runEngineBench(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const batch = options.batch ?? 64;
  const size = options.size ?? 64;
  const seed = options.seed ?? 0;
  const info = await initBackend(options.backend, { threads: options.threads });
  const timed = timeSteps(
    batch,
    size,
    options.steps ?? 5,
    options.warmup ?? 2,
    seed,
    options.onStep,
  );
  timed.step.dispose();
  tf.dispose([...timed.views]);
  const msPerStep = median(timed.stepMs);
  const layers = resnetLayerFlops(RESNET_CONFIGS['resnet18-narrow'], 2 * batch, size);
  const { inFeatures, hiddenFeatures, outFeatures } = REFERENCE_PROJECTOR;
  const flops = trainingStepFlops(
    layers,
    [
      [inFeatures, hiddenFeatures],
      [hiddenFeatures, outFeatures],
    ],
    2 * batch,
  );
  const stepGflops = flops / (msPerStep / 1000) / 1e9;
  const matmulGflops = measureMatmulGflops();
  const result: EngineBenchResult = {
    backend: info.backend,
    threads: info.threads,
    batch,
    size,
    imagesPerSecond: (2 * batch) / (msPerStep / 1000),
    msPerStep,
    stepMs: timed.stepMs,
    stepGflops,
    matmulGflops,
    rooflineFraction: stepGflops / matmulGflops,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    tensorsBefore: timed.tensorsBefore,
    tensorsAfter: timed.tensorsAfter,
  };
  if (options.profile) result.profile = await profileStep(batch, size, seed);
  if (options.compareCpu) {
    const compareBatch = options.compareBatch ?? 4;
    await initBackend('cpu');
    const cpu = timeSteps(compareBatch, size, 1, 0, seed);
    cpu.step.dispose();
    tf.dispose([...cpu.views]);
    const cpuIps = (2 * compareBatch) / (cpu.stepMs[0] / 1000);
    result.compare = {
      backend: 'cpu',
      batch: compareBatch,
      msPerStep: cpu.stepMs[0],
      imagesPerSecond: cpuIps,
      speedRatio: result.imagesPerSecond / cpuIps,
    };
    await initBackend(info.backend);
  }
  return result;
}
