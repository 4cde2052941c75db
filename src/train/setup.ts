/**
 * From a resolved recipe to the parts of a run: the image cache (building it, or rendering
 * synthetic faces first), the multi-view transform, backbone + framework, optimizer and the
 * learning-rate function. Nothing here runs a step.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MultiViewTransform, resolveAugmentConfig, type AugmentPresetName } from '../augment';
import type { AugmentConfig } from '../augment/schema';
import {
  flatFolderSource,
  generateSynthFaces,
  identityFolderSource,
  listFileSource,
  loadCache,
  resolveCacheDir,
  type ImageCache,
  type ImageSource,
} from '../data';
import { formatBytes, WASM_HEAP_LIMIT_BYTES, WasmMemoryError } from '../engine/memory';
import { tf } from '../engine/tf';
import type { Framework } from '../frameworks/base';
import { RecipeError } from '../recipes/errors';
import type { Registries } from '../recipes/registries';
import { SYNTH_DATA, type DataConfig, type PretrainRecipe } from '../recipes/schema';
import { createOptimizer, type Optimizer, type OptimizerName } from '../train/optim';
import { constantLr, lrAt, stepDecayLr } from './optim/schedule';

/** The synthetic face set of `data` (rendered once into the cache folder, seed 0). */
async function synthSource(data: DataConfig): Promise<ImageSource> {
  const { identities, imagesPerIdentity } = data.synth;
  const root = path.join(
    resolveCacheDir(data.cacheDir ?? undefined),
    `synth-faces-${identities}x${imagesPerIdentity}-${data.size}px`,
  );
  const done = path.join(root, '.complete');
  if (!fs.existsSync(done)) {
    const tmp = `${root}.tmp-${process.pid}`;
    await fs.promises.rm(tmp, { recursive: true, force: true });
    await generateSynthFaces({
      outDir: tmp,
      identities,
      imagesPerIdentity,
      size: data.size,
      seed: 0,
    });
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    await fs.promises.rm(root, { recursive: true, force: true });
    await fs.promises.rename(tmp, root).catch(async (e: NodeJS.ErrnoException) => {
      await fs.promises.rm(tmp, { recursive: true, force: true });
      if (!fs.existsSync(done)) throw e; // another run won the race otherwise
    });
  }
  return identityFolderSource(root);
}

/** The image source a data config names. */
export async function dataSource(
  data: { path: string; kind: 'folder' | 'identity' | 'list' } & Partial<DataConfig>,
): Promise<ImageSource> {
  if (data.path === SYNTH_DATA) return synthSource(data as DataConfig);
  if (data.kind === 'identity') return identityFolderSource(data.path);
  if (data.kind === 'list') return listFileSource(data.path);
  return flatFolderSource(data.path);
}

/**
 * Opens (building if needed) the decoded cache of the recipe's data.
 * @throws DataError for a missing folder, no decodable image, ...
 */
export async function openTrainingData(
  recipe: PretrainRecipe,
  onProgress?: (done: number, total: number) => void,
): Promise<ImageCache> {
  const { data } = recipe;
  return loadCache(await dataSource(data), {
    size: data.size,
    crop: data.crop ?? undefined,
    cacheDir: data.cacheDir ?? undefined,
    onProgress,
  });
}

/**
 * Refuses, on the wasm backend, a batch whose inputs alone exceed the 4 GiB heap: the float32
 * batch `[B,S,S,3]` and every augmented view `[B,V,V,3]`. That is a lower bound of a step's peak
 * (activations and gradients come on top), so it never refuses a batch that fits; it runs before
 * any data is read and allocates nothing. Batches that pass can still fail in the first step,
 * where `withMemoryGuard` names them.
 *
 * @throws WasmMemoryError naming `train.batch`, the bytes and the limit.
 */
export function assertBatchInputsFit(
  recipe: Pick<PretrainRecipe, 'augment' | 'data' | 'train'>,
  what: string,
): void {
  if (tf.getBackend() !== 'wasm') return;
  const batch = recipe.train.batch;
  const views = augmentConfig(recipe).views.flatMap((v) => Array<number>(v.count).fill(v.size));
  const perImage = 4 * 3 * (recipe.data.size ** 2 + views.reduce((sum, v) => sum + v * v, 0));
  const need = batch * perImage;
  if (need < WASM_HEAP_LIMIT_BYTES) return;
  const most = Math.floor(WASM_HEAP_LIMIT_BYTES / perImage);
  throw new WasmMemoryError(
    `${what}: train.batch ${batch} does not fit in memory: its ${recipe.data.size}×${recipe.data.size} ` +
      `float32 images and ${views.length} augmented views (${views.join(', ')} px) alone take ` +
      `${formatBytes(need)}, more than the wasm backend's 4 GiB heap, before any activation ` +
      `(the inputs alone allow at most ${most}; with activations the largest batch is far ` +
      'smaller). Lower train.batch, or use --backend tensorflow (@tensorflow/tfjs-node-gpu), ' +
      'which has no 4 GiB limit.',
    true,
    { batch, what },
  );
}

/** The recipe's augmentation, resolved. */
export function augmentConfig(recipe: Pick<PretrainRecipe, 'augment'>): AugmentConfig {
  return resolveAugmentConfig(recipe.augment.preset as AugmentPresetName, recipe.augment.overrides);
}

export function createTransform(recipe: Pick<PretrainRecipe, 'augment'>): MultiViewTransform {
  return MultiViewTransform.fromConfig(augmentConfig(recipe));
}

/** Backbone + framework as the recipe names them; the framework owns the backbone. */
export function createFramework(recipe: PretrainRecipe, registries: Registries): Framework {
  const { backbone: b, framework: f, seed } = recipe;
  const inputSize = augmentConfig(recipe).views[0].size;
  const backbone = registries.backbones[b.name]({
    seed,
    embeddingSize: b.embeddingSize ?? undefined,
    width: b.width ?? undefined,
    inputSize,
  });
  const { name, ...options } = f;
  try {
    return registries.frameworks[name].create(options as never, { backbone, seed });
  } catch (e) {
    backbone.dispose();
    throw e;
  }
}

/** The recipe's optimizer (without the learning rate, which `learningRate` gives per step). */
export function createRecipeOptimizer(recipe: Pick<PretrainRecipe, 'optimizer'>): Optimizer {
  const { name, excludeBiasAndNorm, ...options } = recipe.optimizer;
  delete (options as { lr?: number }).lr; // the rate is passed per step
  const exclude = excludeBiasAndNorm ? {} : { excludeFromWeightDecay: () => false };
  return createOptimizer(name as OptimizerName, { ...options, ...exclude } as never);
}

/**
 * The learning rate at each step of a run of `totalSteps`.
 * @throws RecipeError when the warm-up is longer than the run.
 */
export function learningRate(
  recipe: Pick<PretrainRecipe, 'schedule' | 'optimizer'>,
  totalSteps: number,
): (step: number) => number {
  const { schedule, optimizer } = recipe;
  if (schedule.warmupSteps > totalSteps) {
    throw new RecipeError(
      `schedule.warmupSteps must be ≤ the run's ${totalSteps} steps, got ${schedule.warmupSteps}`,
    );
  }
  const base = {
    baseLr: optimizer.lr,
    warmupSteps: schedule.warmupSteps,
    warmupStartLr: schedule.warmupStartLr,
  };
  if (schedule.name === 'constant') return (step) => constantLr(step, base);
  if (schedule.name === 'step') {
    return (step) =>
      stepDecayLr(step, { ...base, milestones: schedule.milestones, gamma: schedule.gamma });
  }
  return (step) => lrAt(step, { ...base, totalSteps, finalLr: schedule.finalLr });
}
