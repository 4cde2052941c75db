/**
 * The training loop shared by pretraining (`trainer.ts`) and fine-tuning (`src/finetune/`). One
 * step:
 *
 *   batch  = loader.next()                                  (seeded epochs, resumable)
 *   views  = transform(batchToTensor(batch), Rng(seed, step)) (augmentation seeded per step)
 *   vars   = fw.trainableVariables(ctx)
 *   { value, grads } = tf.variableGrads(() => fw.loss(views, ctx), vars)   (or GradCache)
 *   grads  = clipByGlobalNorm(grads, clipNorm)              (when set)
 *   applyUpdate(grads, vars, lr(step), ctx);  fw.onStepEnd(ctx)
 *
 * and every tensor of the step is freed. A NaN/Inf loss stops the run before the update
 * ({@link TrainingDivergedError}, naming the step; the last checkpoint stays the latest). Every
 * `checkpointEvery` steps, at the end, at `maxSteps` and when `signal` aborts (SIGINT), a
 * checkpoint is written; a session started from a checkpoint continues so that the final weights
 * are bitwise those of an uninterrupted run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MultiViewTransform } from '../augment';
import { batchToTensor, type Batch, type DataLoader } from '../data';
import { withMemoryGuard } from '../engine/memory';
import { tf } from '../engine/tf';
import type { Framework, StepContext } from '../frameworks/base';
import { Rng } from '../util/random';
import { saveCheckpoint, type CheckpointData } from './checkpoint';
import { TrainingDivergedError } from './errors';
import { gradCacheGrads } from './grad_cache';
import type { KnnProbe } from './knn_probe';
import { MetricsLog, embeddingStd, type ProgressReporter } from './monitor';
import { clipByGlobalNorm, type Optimizer } from './optim';
import { variableValues } from './run_state';

type Grads = Record<string, tf.Tensor>;
type Vars = Record<string, tf.Variable>;

/** The loop settings of a recipe's `train` section. */
export interface LoopSettings {
  batch: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  logEvery: number;
  /** Clip gradients to this global L2 norm; null: no clipping. */
  clipNorm: number | null;
  /** GradCache chunk size; null: the whole batch at once. */
  gradCacheChunk: number | null;
  /** Warn when the embedding std · √D falls below this. */
  collapseFloor: number;
}

/** Everything a session of the loop runs with; the caller owns (and disposes) the parts. */
export interface TrainingSession<R> {
  /** `pretrain` or `finetune`: names the run in messages. */
  label: string;
  outputDir: string;
  /** The resolved recipe stored in every checkpoint, and its hash. */
  recipe: R;
  recipeHash: string;
  seed: number | string;
  settings: LoopSettings;
  fw: Framework;
  optimizer: Optimizer;
  loader: DataLoader;
  transform: MultiViewTransform;
  lrAt: (step: number) => number;
  totalSteps: number;
  /** The checkpoint the session continues from (already restored into fw and optimizer). */
  checkpoint?: { data: CheckpointData<unknown>; dir: string };
  /** Online kNN accuracy every `every` steps. */
  probe?: { probe: KnnProbe; every: number };
  /** The update (default `optimizer.apply(grads, vars, lr)`); the caller keeps `grads`. */
  applyUpdate?: (grads: Grads, vars: Vars, lr: number, ctx: StepContext) => void;
  warn: (message: string) => void;
}

export interface LoopOptions {
  /** Stop (with a checkpoint) once this many steps are done; the schedule still spans the run. */
  maxSteps?: number;
  /** Aborting finishes the current step, writes a checkpoint and returns `interrupted`. */
  signal?: AbortSignal;
  reporter: ProgressReporter;
  /** Called after every step (tests). */
  onStep?: (step: number, loss: number) => void;
}

export interface LoopResult {
  status: 'completed' | 'stopped' | 'interrupted';
  /** Steps completed in total. */
  step: number;
  /** Step the session started at (> 0 when resumed). */
  startStep: number;
  lastLoss: number | null;
  elapsedSeconds: number;
  /** Mean training throughput of this session (images per second, excluding checkpoints). */
  imagesPerSecond: number;
  embeddingStd: number | null;
  knnAccuracy: number | null;
  /** The checkpoint of the last step. */
  checkpoint: string;
}

async function* endless(loader: DataLoader): AsyncGenerator<Batch> {
  for (;;) yield* loader.epochBatches();
}

/** One optimisation step; returns the loss (not yet checked) and frees every tensor. */
function trainStep<R>(
  session: TrainingSession<R>,
  views: tf.Tensor4D[],
  ctx: StepContext,
  lr: number,
): { loss: number; apply: () => void; discard: () => void } {
  const { fw, optimizer, settings } = session;
  const vars = fw.trainableVariables(ctx);
  const chunk = settings.gradCacheChunk;
  const { value, grads } =
    chunk !== null && chunk < views[0].shape[0]
      ? gradCacheGrads(fw, views, ctx, vars, chunk)
      : tf.variableGrads(() => fw.loss(views, ctx), Object.values(vars));
  const loss = value.dataSync()[0];
  value.dispose();
  return {
    loss,
    apply() {
      let final = grads;
      if (settings.clipNorm !== null) {
        final = clipByGlobalNorm(grads, settings.clipNorm).grads;
        tf.dispose(Object.values(grads));
      }
      if (session.applyUpdate) session.applyUpdate(final, vars, lr, ctx);
      else optimizer.apply(final, vars, lr);
      tf.dispose(Object.values(final));
      fw.onStepEnd(ctx);
    },
    discard: () => tf.dispose(Object.values(grads)),
  };
}

/**
 * Runs steps from the session's checkpoint (or 0) to `totalSteps` (or `maxSteps`), writing
 * `metrics.jsonl` and checkpoints in `session.outputDir`.
 *
 * @throws TrainingDivergedError for a NaN/Inf loss.
 */
export async function runTrainingLoop<R>(
  session: TrainingSession<R>,
  options: LoopOptions,
): Promise<LoopResult> {
  const { fw, optimizer, loader, transform, settings, outputDir, totalSteps } = session;
  const reporter = options.reporter;
  const resumed = session.checkpoint?.data;
  const metrics = new MetricsLog(path.join(outputDir, 'metrics.jsonl'));
  const startStep = resumed?.step ?? 0;
  if (resumed) metrics.truncateAfter(startStep);
  else fs.rmSync(metrics.file, { force: true });

  const stopAt = Math.min(totalSteps, options.maxSteps ?? Infinity);
  const batches = endless(loader);
  let step = startStep;
  const elapsedBefore = resumed?.elapsedSeconds ?? 0;
  let lastLoss = resumed?.lastLoss ?? null;
  let lastSaved = session.checkpoint?.dir ?? '';
  let lastStd: number | null = null;
  let lastKnn: number | null = null;
  const throughput = { seconds: 0, images: 0 };
  const interval = { loss: 0, steps: 0, seconds: 0, images: 0 };
  const started = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;
  const save = async () => {
    const fwState = await fw.state();
    lastSaved = await saveCheckpoint(
      outputDir,
      {
        step,
        totalSteps,
        elapsedSeconds: elapsed(),
        loader: loader.state(),
        frameworkMeta: fwState.meta,
        recipe: session.recipe,
        recipeHash: session.recipeHash,
        lastLoss,
        variables: await variableValues(fw),
        optimizer: await optimizer.state(),
        framework: fwState.tensors,
      },
      settings.keepCheckpoints,
    );
    return lastSaved;
  };

  reporter.start(totalSteps, startStep);
  let status: LoopResult['status'] = 'completed';
  try {
    while (step < stopAt) {
      const { value: batch } = await batches.next();
      const t0 = performance.now();
      const lr = session.lrAt(step);
      const images = batchToTensor(batch as Batch);
      const labels = (batch as Batch).labels
        ? tf.tensor1d((batch as Batch).labels!, 'int32')
        : undefined;
      let views: tf.Tensor4D[] = [];
      let loss: number;
      try {
        views = transform.apply(images, new Rng(`${session.seed}:augment:${step}`));
        const ctx: StepContext = { step, totalSteps, labels };
        const pending = withMemoryGuard(() => trainStep(session, views, ctx, lr), {
          batch: settings.batch,
          what: `${session.label} step`,
        });
        loss = pending.loss;
        if (!Number.isFinite(loss)) {
          pending.discard();
          const where = lastSaved
            ? `the last good checkpoint is ${lastSaved}`
            : 'no checkpoint was written yet';
          throw new TrainingDivergedError(
            `${session.label}: the loss is ${loss} at step ${step} (lr ${lr.toPrecision(3)}); stopped before updating, ${where}. ` +
              'Lower optimizer.lr, add warm-up or set train.clipNorm.',
            step,
            lastSaved || undefined,
          );
        }
        pending.apply();
        if ((step + 1) % settings.logEvery === 0 || step + 1 === stopAt) {
          const e = fw.embed(views[0]);
          lastStd = embeddingStd(e);
          e.dispose();
        }
      } finally {
        tf.dispose([images, ...views]);
        labels?.dispose();
      }
      const seconds = (performance.now() - t0) / 1000;
      step++;
      lastLoss = loss;
      throughput.seconds += seconds;
      throughput.images += settings.batch;
      Object.assign(interval, {
        loss: interval.loss + loss,
        steps: interval.steps + 1,
        seconds: interval.seconds + seconds,
        images: interval.images + settings.batch,
      });
      const imagesPerSecond = interval.images / Math.max(interval.seconds, 1e-9);
      const probe = session.probe;
      if (probe && (step % probe.every === 0 || step === stopAt)) {
        lastKnn = await probe.probe.accuracy(fw);
      }
      if (step % settings.logEvery === 0 || step === stopAt) {
        const std = lastStd ?? NaN;
        const dims = fw.backbone.embeddingSize;
        if (std * Math.sqrt(dims) < settings.collapseFloor) {
          session.warn(
            `step ${step}: embedding std ${std.toPrecision(3)} (·√D = ${(std * Math.sqrt(dims)).toPrecision(3)}) is below train.collapseFloor ${settings.collapseFloor}: the representation may be collapsing`,
          );
        }
        metrics.append({
          step,
          loss: interval.loss / interval.steps,
          lr,
          imagesPerSecond,
          embeddingStd: std,
          elapsed: elapsed(),
          ...(probe && step % probe.every === 0 ? { knnAccuracy: lastKnn } : {}),
        });
        Object.assign(interval, { loss: 0, steps: 0, seconds: 0, images: 0 });
      }
      reporter.update(step, { loss, lr, imagesPerSecond });
      options.onStep?.(step, loss);
      if (options.signal?.aborted) {
        status = 'interrupted';
        break;
      }
      if (step % settings.checkpointEvery === 0 && step < stopAt) {
        reporter.note(`checkpoint ${path.relative(process.cwd(), await save())}`);
      }
    }
  } finally {
    reporter.stop();
    await batches.return(undefined);
  }
  if (status === 'completed' && step < totalSteps) status = 'stopped';
  const checkpoint = lastSaved.endsWith(`step-${String(step).padStart(8, '0')}`)
    ? lastSaved
    : await save();
  return {
    status,
    step,
    startStep,
    lastLoss,
    elapsedSeconds: elapsed(),
    imagesPerSecond: throughput.images / Math.max(throughput.seconds, 1e-9),
    embeddingStd: lastStd,
    knnAccuracy: lastKnn,
    checkpoint,
  };
}
