/**
 * Supervised fine-tuning with a margin loss: from a resolved fine-tuning recipe to a run folder
 * (checkpoints, metrics.jsonl, recipe.json, the fine-tuned `backbone/`, `eval-lfw.json`). The loop
 * is the pretraining one (`runTrainingLoop`: atomic checkpoints, bitwise resume, NaN stop, SIGINT,
 * progress); this file builds its parts: labelled data (class-balanced batches on request), one
 * `face` view, the backbone (from scratch or `from` a pretraining run), a `MarginModel`, the
 * optimizer with the backbone's scaled learning rate; and at the end, the held-out LFW folds.
 */
import * as path from 'path';
import { DataLoader, loadCache, writeFileAtomic, type ImageCache } from '../data';
import { saveParams } from '../models/serialize';
import type { FinetuneRecipe } from '../recipes/finetune_schema';
import { diffRecipes, recipeHash } from '../recipes/load';
import { defaultRegistries, type Registries } from '../recipes/registries';
import type { CheckpointData } from '../train/checkpoint';
import { runTrainingLoop, type LoopResult } from '../train/loop';
import { silentReporter, type ProgressReporter } from '../train/monitor';
import type { Optimizer } from '../train/optim';
import { openRunFolder } from '../train/run_folder';
import { restoreRun } from '../train/run_state';
import {
  augmentConfig,
  createRecipeOptimizer,
  createTransform,
  learningRate,
} from '../train/setup';
import { finetuneData } from './data';
import { evaluateHeldOut, type HeldOutEvalResult } from './evaluate';
import { loadPretrainedWeights, locatePretrained, type PretrainedSource } from './init';
import { MarginModel } from './margin_model';

export interface FinetuneOptions {
  /** Continue from the latest checkpoint in the output folder. */
  resume?: boolean;
  /** Stop (with a checkpoint) once this many steps are done; the schedule still spans the run. */
  maxSteps?: number;
  /** Aborting finishes the current step, writes a checkpoint and returns `interrupted`. */
  signal?: AbortSignal;
  reporter?: ProgressReporter;
  /** Registries (only the backbones are used; tests pass a tiny one). */
  registries?: Registries;
  /** Run the held-out LFW evaluation at the end when the recipe has one (default true). */
  evaluate?: boolean;
  onDataProgress?: (done: number, total: number) => void;
  onEvalProgress?: (stage: string, done: number, total: number) => void;
  /** Called after every step (tests). */
  onStep?: (step: number, loss: number) => void;
}

export interface FinetuneResult extends LoopResult {
  outputDir: string;
  totalSteps: number;
  /** Identities (classes of the head) and training images. */
  classes: number;
  images: number;
  /** The weights the backbone started from (null: from scratch). */
  from: string | null;
  /** The fine-tuned backbone's weights (`faceclr-params`), written at the end of every session. */
  backboneDir: string;
  recipeHash: string;
  /** Held-out LFW verification (also in `eval-lfw.json`); null when not configured or interrupted. */
  evaluation: HeldOutEvalResult | null;
  warnings: string[];
}

/** Recipe fields a resume may change (`from` and `backbone` are the checkpoint's anyway). */
const RESUMABLE = [
  /^output\./,
  /^train\.(steps|checkpointEvery|keepCheckpoints|logEvery|collapseFloor)$/,
  /^eval\./,
  /^(description|from)$/,
  /^backbone\./,
];

/** The differences between a checkpoint's fine-tuning recipe and the current one that forbid a resume. */
export function finetuneResumeConflicts(saved: FinetuneRecipe, current: FinetuneRecipe): string[] {
  return diffRecipes(saved, current).filter((line) => {
    const key = line.slice(0, line.indexOf(':'));
    return !RESUMABLE.some((re) => re.test(key));
  });
}

/**
 * Runs (or resumes) the fine-tuning a resolved recipe describes, in `recipe.output.dir`.
 *
 * @throws PretrainSetupError for a locked or occupied folder, a changed recipe on resume or a bad
 *   `from`; DataError for missing or unlabelled data or an identity leak into the evaluation folds;
 *   TrainingDivergedError for a NaN/Inf loss.
 * @example
 * const result = await finetune(loadFinetuneRecipe('recipes/finetune/arcface-cpu.json'), { maxSteps: 20 });
 */
export async function finetune(
  recipe: FinetuneRecipe,
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  const registries = options.registries ?? defaultRegistries();
  const reporter = options.reporter ?? silentReporter;
  const outputDir = path.resolve(recipe.output.dir);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    reporter.note(`warning: ${message}`);
  };
  const { lock, checkpoint: resumed } = await openRunFolder<FinetuneRecipe>(outputDir, {
    resume: Boolean(options.resume),
    conflicts: (saved) => finetuneResumeConflicts(saved, recipe),
    reporter,
    resumable: 'output.*, eval.*, train.steps and monitoring settings',
  });
  let cache: ImageCache | undefined;
  let model: MarginModel | undefined;
  let optimizer: Optimizer | undefined;
  try {
    let pretrained: PretrainedSource | undefined;
    if (resumed) {
      const saved = resumed.data.recipe;
      recipe = { ...recipe, from: saved.from, backbone: saved.backbone };
    } else if (recipe.from !== null) {
      pretrained = locatePretrained(recipe.from);
      recipe = { ...recipe, from: pretrained.dir, backbone: pretrained.backbone };
    }
    const hash = recipeHash(recipe);
    const data = await finetuneData(recipe);
    cache = await loadCache(data.source, {
      size: recipe.data.size,
      crop: recipe.data.crop ?? undefined,
      cacheDir: recipe.data.cacheDir ?? undefined,
      name: data.cacheName,
      onProgress: options.onDataProgress,
    });
    const { batch, imagesPerIdentity, steps: totalSteps } = recipe.train;
    const loader = new DataLoader(
      cache,
      {
        batchSize: batch,
        seed: recipe.seed,
        dropLast: true,
        prefetch: 2,
        balanced: imagesPerIdentity === null ? undefined : { imagesPerIdentity },
      },
      resumed?.data.loader,
    );
    const view = augmentConfig(recipe).views[0];
    const b = recipe.backbone;
    const backbone = registries.backbones[b.name]({
      seed: pretrained?.seed ?? recipe.seed,
      embeddingSize: b.embeddingSize ?? undefined,
      width: b.width ?? undefined,
      inputSize: view.size,
    });
    try {
      model = new MarginModel(backbone, {
        classes: cache.classNames!.length,
        margin: recipe.margin,
        warmupHeadSteps: recipe.train.warmupHeadSteps,
        backboneLrScale: recipe.train.backboneLrScale,
        seed: recipe.seed,
      });
    } catch (e) {
      backbone.dispose();
      throw e;
    }
    if (pretrained) await loadPretrainedWeights(backbone, pretrained);
    optimizer = createRecipeOptimizer(recipe);
    if (resumed) restoreRun(model, optimizer, resumed.data as CheckpointData<unknown>);

    await writeFileAtomic(
      path.join(outputDir, 'recipe.json'),
      `${JSON.stringify(recipe, null, 2)}\n`,
    );
    const loop = await runTrainingLoop(
      {
        label: 'finetune',
        outputDir,
        recipe,
        recipeHash: hash,
        seed: recipe.seed,
        settings: { ...recipe.train, gradCacheChunk: null },
        fw: model,
        optimizer,
        loader,
        transform: createTransform(recipe),
        lrAt: learningRate(recipe, totalSteps),
        totalSteps,
        checkpoint: resumed,
        applyUpdate: (grads, vars, lr) => model!.applyUpdate(optimizer!, grads, vars, lr),
        warn,
      },
      { maxSteps: options.maxSteps, signal: options.signal, reporter, onStep: options.onStep },
    );
    const backboneDir = path.join(outputDir, 'backbone');
    await saveParams(backbone.params, backboneDir, {
      backbone: b.name,
      config: backbone.config,
      framework: 'finetune',
      margin: recipe.margin.name,
      step: loop.step,
      recipeHash: hash,
    });
    let evaluation: HeldOutEvalResult | null = null;
    if (data.evaluation && options.evaluate !== false && loop.status !== 'interrupted') {
      const crop = recipe.data.crop !== null && recipe.data.crop <= 1 ? recipe.data.crop : 1;
      evaluation = await evaluateHeldOut(backbone, data.evaluation, {
        outputDir,
        inputSize: view.size,
        normalize: view.normalize,
        crop: crop * recipe.eval.crop,
        batchSize: recipe.eval.batchSize,
        cacheDir: recipe.data.cacheDir ?? undefined,
        onProgress: options.onEvalProgress,
      });
      await writeFileAtomic(
        path.join(outputDir, 'eval-lfw.json'),
        `${JSON.stringify({ step: loop.step, ...evaluation }, null, 2)}\n`,
      );
    }
    return {
      ...loop,
      outputDir,
      totalSteps,
      classes: cache.classNames!.length,
      images: cache.count,
      from: recipe.from,
      backboneDir,
      recipeHash: hash,
      evaluation,
      warnings,
    };
  } finally {
    model?.dispose();
    optimizer?.dispose();
    await cache?.dispose();
    lock.release();
  }
}
