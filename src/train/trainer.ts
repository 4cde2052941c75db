/**
 * Pretraining: from a resolved recipe to a run folder. The loop itself (steps, NaN stop,
 * checkpoints, SIGINT, metrics) is `runTrainingLoop` in `loop.ts`, shared with fine-tuning; this
 * file builds the parts (data, transform, framework, optimizer, kNN probe) and writes the final
 * backbone export.
 */
import * as path from 'path';
import { DataLoader, loadCache, type ImageCache } from '../data';
import { writeFileAtomic } from '../data/atomic_write';
import type { Framework } from '../frameworks/base';
import { saveParams } from '../models/serialize';
import { RecipeError } from '../recipes/errors';
import { recipeHash } from '../recipes/load';
import { defaultRegistries, type Registries } from '../recipes/registries';
import type { PretrainRecipe } from '../recipes/schema';
import { supportsGradCache } from './grad_cache';
import { KnnProbe } from './knn_probe';
import { runTrainingLoop } from './loop';
import { silentReporter, type ProgressReporter } from './monitor';
import { type Optimizer } from './optim';
import { openRunFolder } from './run_folder';
import { resumeConflicts, restoreRun } from './run_state';
import {
  assertBatchInputsFit,
  augmentConfig,
  createFramework,
  createRecipeOptimizer,
  createTransform,
  dataSource,
  learningRate,
  openTrainingData,
} from './setup';

export interface PretrainOptions {
  /** Continue from the latest checkpoint in the output folder. */
  resume?: boolean;
  /** Stop (with a checkpoint) once this many steps are done; the schedule still spans the run. */
  maxSteps?: number;
  /** Aborting finishes the current step, writes a checkpoint and returns `interrupted`. */
  signal?: AbortSignal;
  reporter?: ProgressReporter;
  /** Registries (default faceclr's; tests pass a stub framework). */
  registries?: Registries;
  /** Progress of decoding the data into the cache (first run on a dataset). */
  onDataProgress?: (done: number, total: number) => void;
  /** Called after every step (tests). */
  onStep?: (step: number, loss: number) => void;
}

export interface PretrainResult {
  status: 'completed' | 'stopped' | 'interrupted';
  outputDir: string;
  /** Steps completed in total. */
  step: number;
  totalSteps: number;
  /** Step the session started at (> 0 when resumed). */
  startStep: number;
  lastLoss: number | null;
  elapsedSeconds: number;
  /** Mean training throughput of this session (images per second, excluding checkpoints). */
  imagesPerSecond: number;
  embeddingStd: number | null;
  knnAccuracy: number | null;
  checkpoint: string;
  /** The backbone's weights (`faceclr-params`), written at the end of every session. */
  backboneDir: string;
  recipeHash: string;
  warnings: string[];
}

/** The files the cache could not decode, for a warning: the count and the first few paths. */
function skippedNote(cache: ImageCache): string {
  const { skipped } = cache;
  const shown = skipped
    .slice(0, 3)
    .map((s) => `'${s.path}' (${s.reason})`)
    .join('; ');
  const more = skipped.length > 3 ? `; and ${skipped.length - 3} more` : '';
  return (
    `data: skipped ${skipped.length} of ${skipped.length + cache.count} files that could not be ` +
    `decoded: ${shown}${more} (faceclr data cache lists them all)`
  );
}

/**
 * Runs (or resumes) the pretraining a resolved recipe describes, in `recipe.output.dir`.
 *
 * @throws PretrainSetupError when the folder is locked by a live run, holds another run's
 *   checkpoints (without `resume`), or the recipe changed since the checkpoint; RecipeError for
 *   settings only checkable at run time; TrainingDivergedError for a NaN/Inf loss; DataError for
 *   unreadable data; WasmMemoryError (on wasm, before any data is read) for a batch whose inputs
 *   alone exceed the 4 GiB heap; Error from `saveCheckpoint` when a checkpoint cannot be written
 *   (the previous one stays the latest). Undecodable files are skipped with a warning.
 * @example
 * const result = await pretrain(loadRecipe('recipes/pretrain/simclr-cpu.json'), { maxSteps: 5 });
 */
export async function pretrain(
  recipe: PretrainRecipe,
  options: PretrainOptions = {},
): Promise<PretrainResult> {
  const registries = options.registries ?? defaultRegistries();
  const reporter = options.reporter ?? silentReporter;
  const outputDir = path.resolve(recipe.output.dir);
  const hash = recipeHash(recipe);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    reporter.note(`warning: ${message}`);
  };
  const { lock, checkpoint: resumed } = await openRunFolder<PretrainRecipe>(outputDir, {
    resume: Boolean(options.resume),
    conflicts: (saved) => resumeConflicts(saved, recipe),
    reporter,
    resumable: 'output.*, train.steps/epochs and monitoring settings',
  });
  const checkpoint = resumed?.data;
  let cache: ImageCache | undefined;
  let knnCache: ImageCache | undefined;
  let fw: Framework | undefined;
  let optimizer: Optimizer | undefined;
  try {
    assertBatchInputsFit(recipe, 'pretrain');
    cache = await openTrainingData(recipe, options.onDataProgress);
    if (cache.skipped.length > 0) warn(skippedNote(cache));
    const loader = new DataLoader(
      cache,
      { batchSize: recipe.train.batch, seed: recipe.seed, dropLast: true, prefetch: 2 },
      checkpoint?.loader,
    );
    const totalSteps = recipe.train.steps ?? recipe.train.epochs! * loader.batchesPerEpoch;
    const lrAt = learningRate(recipe, totalSteps);
    const transform = createTransform(recipe);
    fw = createFramework(recipe, registries);
    if (recipe.train.gradCacheChunk !== null && !supportsGradCache(fw)) {
      throw new RecipeError(
        `train.gradCacheChunk needs a framework with the GradCache hooks (represent, lossFromRepresentations), '${fw.name}' has none; got ${recipe.train.gradCacheChunk}`,
      );
    }
    optimizer = createRecipeOptimizer(recipe);
    if (checkpoint) restoreRun(fw, optimizer, checkpoint);

    const knn = recipe.train.knn;
    let probe: KnnProbe | undefined;
    if (knn) {
      knnCache = await loadCache(await dataSource(knn), {
        size: recipe.data.size,
        crop: recipe.data.crop ?? undefined,
        cacheDir: recipe.data.cacheDir ?? undefined,
      });
      const view = augmentConfig(recipe).views[0];
      probe = new KnnProbe(knnCache, {
        k: knn.k,
        maxImages: knn.maxImages,
        viewSize: view.size,
        normalize: view.normalize,
        seed: recipe.seed,
      });
    }

    await writeFileAtomic(
      path.join(outputDir, 'recipe.json'),
      `${JSON.stringify(recipe, null, 2)}\n`,
    );
    const loop = await runTrainingLoop(
      {
        label: 'pretrain',
        outputDir,
        recipe,
        recipeHash: hash,
        seed: recipe.seed,
        settings: recipe.train,
        fw,
        optimizer,
        loader,
        transform,
        lrAt,
        totalSteps,
        checkpoint: resumed,
        probe: probe && { probe, every: knn!.every },
        warn,
      },
      { maxSteps: options.maxSteps, signal: options.signal, reporter, onStep: options.onStep },
    );
    const backboneDir = path.join(outputDir, 'backbone');
    await saveParams(fw.backbone.params, backboneDir, {
      backbone: recipe.backbone.name,
      config: fw.backbone.config,
      framework: recipe.framework.name,
      step: loop.step,
      recipeHash: hash,
    });
    return {
      ...loop,
      outputDir,
      totalSteps,
      backboneDir,
      recipeHash: hash,
      warnings,
    };
  } finally {
    fw?.dispose();
    optimizer?.dispose();
    await cache?.dispose();
    await knnCache?.dispose();
    lock.release();
  }
}
