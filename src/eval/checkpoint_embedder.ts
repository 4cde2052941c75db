/**
 * Embedders from faceclr checkpoints. `--model <dir>` may name:
 *
 * 1. a backbone export (`model.json` + `weights.bin`, `src/models/serialize.ts`), e.g. a run's
 *    `backbone/` folder: the backbone is rebuilt from `meta.backbone` and `meta.config` exactly;
 * 2. a training checkpoint folder (`state.json` + `tensors.bin`, `src/train/checkpoint.ts`): the
 *    backbone is rebuilt from the recipe inside and its variables taken by name;
 * 3. a run folder: its `backbone/` export, else the checkpoint `checkpoints/latest` names.
 *
 * Preprocessing follows training: the input size and normalisation of the recipe's first view
 * (`recipe.json` beside or above an export, or the one inside a checkpoint). Without a recipe: the
 * architecture's fixed input size, else 64, and the face preset's mean/std 0.5.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FACE_NORMALIZE } from '../augment/presets';
import { resolveAugmentConfig, type AugmentOverrides } from '../augment/resolve';
import type { AugmentPresetName } from '../augment/presets';
import type { Backbone } from '../models/backbone';
import { IrResNetBackbone, type IrResNetConfig } from '../models/ir_resnet';
import { MobileFaceNetBackbone, type MobileFaceNetConfig } from '../models/mobile_face_net';
import { createBackbone, isBackboneName, type BackboneName } from '../models/registry';
import { ResNetBackbone, type ResNetConfig } from '../models/resnet';
import { loadParams } from '../models/serialize';
import { loadCheckpoint } from '../train/checkpoint';
import { tf } from '../engine/tf';
import { BackboneEmbedder, type Normalize } from './embedder';
import { EvalInputError } from './errors';

const resnet = (config: object) => new ResNetBackbone(config as ResNetConfig, 0);
const ir = (config: object) => new IrResNetBackbone(config as IrResNetConfig, 0);

/** Each backbone rebuilt from the resolved `config` its export stores (weights loaded after). */
const FROM_CONFIG = Object.freeze({
  'resnet18-narrow': resnet,
  resnet18: resnet,
  resnet34: resnet,
  resnet50: resnet,
  ir18: ir,
  ir34: ir,
  ir50: ir,
  mobilefacenet: (config: object) => new MobileFaceNetBackbone(config as MobileFaceNetConfig, 0),
} satisfies Record<BackboneName, (config: object) => Backbone>);

export interface CheckpointEmbedderOptions {
  /** Centre-crop fraction (default 0.75). */
  crop?: number;
  /** Network input side (default: the recipe's view size; must match a fixed-size architecture). */
  inputSize?: number;
  /** Normalisation (default: the recipe's first view, else mean/std 0.5). */
  normalize?: Normalize;
}

/** The fields of a recipe the evaluation needs (read loosely; the trainer validated it). */
interface RecipeFields {
  seed?: number | string;
  backbone?: { name?: string; width?: number | null; embeddingSize?: number | null };
  augment?: { preset?: string; overrides?: AugmentOverrides };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EvalInputError(`checkpointEmbedder: cannot read ${file}: ${(e as Error).message}`);
  }
}

function firstView(
  recipe: RecipeFields | undefined,
): { size: number; normalize: Normalize } | undefined {
  if (!recipe?.augment?.preset) return undefined;
  let config: ReturnType<typeof resolveAugmentConfig>;
  try {
    config = resolveAugmentConfig(
      recipe.augment.preset as AugmentPresetName,
      recipe.augment.overrides,
    );
  } catch (e) {
    throw new EvalInputError(
      `checkpointEmbedder: the checkpoint's recipe: ${(e as Error).message}`,
    );
  }
  return { size: config.views[0].size, normalize: config.views[0].normalize };
}

/** What `--model <dir>` names: an export (with its recipe, if found) or a checkpoint folder. */
function locate(target: string): {
  kind: 'export' | 'checkpoint';
  dir: string;
  recipe?: RecipeFields;
} {
  const dir = path.resolve(target);
  if (!fs.existsSync(dir))
    throw new EvalInputError(`checkpointEmbedder: model '${dir}' does not exist`);
  const has = (...parts: string[]) => fs.existsSync(path.join(dir, ...parts));
  const recipeAt = (file: string) =>
    fs.existsSync(file) ? (readJson(file) as RecipeFields) : undefined;
  if (has('model.json')) {
    const recipe =
      recipeAt(path.join(dir, 'recipe.json')) ?? recipeAt(path.join(dir, '..', 'recipe.json'));
    return { kind: 'export', dir, recipe };
  }
  if (has('state.json')) return { kind: 'checkpoint', dir };
  if (has('backbone', 'model.json')) {
    return {
      kind: 'export',
      dir: path.join(dir, 'backbone'),
      recipe: recipeAt(path.join(dir, 'recipe.json')),
    };
  }
  if (has('checkpoints', 'latest')) {
    const name = fs.readFileSync(path.join(dir, 'checkpoints', 'latest'), 'utf8').trim();
    return { kind: 'checkpoint', dir: path.join(dir, 'checkpoints', name) };
  }
  throw new EvalInputError(
    `checkpointEmbedder: '${dir}' is not a faceclr backbone export (model.json), checkpoint (state.json) or run folder`,
  );
}

async function fromExport(dir: string): Promise<{ backbone: Backbone; name: string }> {
  const meta = (
    readJson(path.join(dir, 'model.json')) as { meta?: { backbone?: string; config?: object } }
  ).meta;
  const name = meta?.backbone;
  if (name === undefined || !isBackboneName(name) || typeof meta?.config !== 'object') {
    throw new EvalInputError(
      `checkpointEmbedder: ${path.join(dir, 'model.json')} must name a registered backbone and its config in meta, got backbone '${name}'`,
    );
  }
  const backbone = FROM_CONFIG[name](meta.config);
  try {
    await loadParams(backbone.params, dir, { backbone: name });
  } catch (e) {
    backbone.dispose();
    throw new EvalInputError((e as Error).message);
  }
  return { backbone, name };
}

async function fromCheckpoint(
  dir: string,
): Promise<{ backbone: Backbone; name: string; recipe: RecipeFields }> {
  const data = await loadCheckpoint(dir).catch((e: Error) => {
    throw new EvalInputError(e.message);
  });
  const recipe = data.recipe as RecipeFields;
  const name = recipe.backbone?.name ?? 'resnet18-narrow';
  const backbone = createBackbone(name, {
    seed: recipe.seed ?? 0,
    width: recipe.backbone?.width ?? undefined,
    embeddingSize: recipe.backbone?.embeddingSize ?? undefined,
    inputSize: firstView(recipe)?.size,
  });
  const problems: string[] = [];
  for (const [key, variable] of backbone.params.variables) {
    const stored = data.variables[key];
    if (!stored) problems.push(`'${key}' is missing`);
    else if (stored.shape.join(',') !== variable.shape.join(',')) {
      problems.push(
        `'${key}' is [${stored.shape}] in the checkpoint, [${variable.shape}] in the model`,
      );
    } else tf.tidy(() => variable.assign(tf.tensor(stored.values, stored.shape)));
  }
  if (problems.length > 0) {
    backbone.dispose();
    throw new EvalInputError(
      `checkpointEmbedder: checkpoint ${dir} does not match backbone ${name}: ${problems.slice(0, 5).join('; ')}`,
    );
  }
  return { backbone, name, recipe };
}

/**
 * Loads a backbone from a faceclr export, checkpoint or run folder (see the file comment).
 * @throws EvalInputError when the folder is none of these or does not match its backbone.
 * @example const embedder = await checkpointEmbedder('runs/simclr-cpu'); // its backbone/ export
 */
export async function checkpointEmbedder(
  target: string,
  options: CheckpointEmbedderOptions = {},
): Promise<BackboneEmbedder> {
  const found = locate(target);
  const loaded =
    found.kind === 'export'
      ? { ...(await fromExport(found.dir)), recipe: found.recipe }
      : await fromCheckpoint(found.dir);
  const { backbone, name, recipe } = loaded;
  const view = firstView(recipe);
  const fixed = (backbone.config as { inputSize?: number }).inputSize;
  if (options.inputSize !== undefined && fixed !== undefined && options.inputSize !== fixed) {
    backbone.dispose();
    throw new EvalInputError(
      `checkpointEmbedder: ${name} is built for ${fixed}×${fixed} inputs, got inputSize ${options.inputSize}`,
    );
  }
  const inputSize = options.inputSize ?? fixed ?? view?.size ?? 64;
  const normalize =
    options.normalize !== undefined ? options.normalize : view ? view.normalize : FACE_NORMALIZE;
  return new BackboneEmbedder(
    `${path.basename(path.resolve(target))}:${name}@${inputSize}`,
    backbone,
    {
      inputSize,
      crop: options.crop,
      normalize,
    },
  );
}
