/**
 * Where a fine-tuning backbone comes from: `--from <dir>` names a pretraining (or fine-tuning) run
 * folder, one of its checkpoints, or a backbone export (`model.json`, with the run's `recipe.json`
 * beside or above it). The architecture (`backbone` section) is the one of that run's recipe; the
 * weights are its checkpoint's variables (or the export's), assigned by name, all or nothing.
 *
 * A run folder resolves to the checkpoint `checkpoints/latest` names (the newest complete state),
 * else its `backbone/` export.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../engine/tf';
import type { Backbone } from '../models/backbone';
import { loadParams } from '../models/serialize';
import type { BackboneSchema } from '../recipes/schema';
import { loadCheckpoint } from '../train/checkpoint';
import { PretrainSetupError } from '../train/errors';
import type { z } from 'zod';

export type BackboneConfig = z.output<typeof BackboneSchema>;

/** A located `--from`: the weights' folder and the backbone settings of its recipe. */
export interface PretrainedSource {
  kind: 'checkpoint' | 'export';
  /** The checkpoint folder (state.json) or export folder (model.json). */
  dir: string;
  backbone: BackboneConfig;
  /** The pretraining recipe's seed (the backbone is rebuilt with it before the weights land). */
  seed: number | string;
}

interface RecipeFields {
  seed?: number | string;
  backbone?: Partial<BackboneConfig>;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PretrainSetupError(`--from: cannot read ${file}: ${(e as Error).message}`);
  }
}

function source(
  kind: PretrainedSource['kind'],
  dir: string,
  recipe: RecipeFields,
): PretrainedSource {
  const b = recipe.backbone ?? {};
  return {
    kind,
    dir,
    backbone: {
      name: b.name ?? 'resnet18-narrow',
      embeddingSize: b.embeddingSize ?? null,
      width: b.width ?? null,
    },
    seed: recipe.seed ?? 0,
  };
}

/**
 * Finds the weights and backbone settings `from` names (see the file comment).
 * @throws PretrainSetupError when `from` is missing or is none of the three, or an export has no
 *   recipe beside or above it.
 */
export function locatePretrained(from: string): PretrainedSource {
  const dir = path.resolve(from);
  const has = (...parts: string[]) => fs.existsSync(path.join(dir, ...parts));
  if (!fs.existsSync(dir)) throw new PretrainSetupError(`--from: '${dir}' does not exist`);
  if (has('state.json')) {
    return source(
      'checkpoint',
      dir,
      (readJson(path.join(dir, 'state.json')) as { recipe: RecipeFields }).recipe,
    );
  }
  if (has('checkpoints', 'latest')) {
    const name = fs.readFileSync(path.join(dir, 'checkpoints', 'latest'), 'utf8').trim();
    return locatePretrained(path.join(dir, 'checkpoints', name));
  }
  const exportDir = has('model.json')
    ? dir
    : has('backbone', 'model.json')
      ? path.join(dir, 'backbone')
      : undefined;
  if (exportDir) {
    const recipeFile = [
      path.join(exportDir, 'recipe.json'),
      path.join(exportDir, '..', 'recipe.json'),
    ].find((f) => fs.existsSync(f));
    if (!recipeFile) {
      throw new PretrainSetupError(
        `--from: the backbone export '${exportDir}' has no recipe.json beside or above it to tell its backbone settings; pass the run folder`,
      );
    }
    return source('export', exportDir, readJson(recipeFile) as RecipeFields);
  }
  throw new PretrainSetupError(
    `--from: '${dir}' is not a faceclr run folder, checkpoint (state.json) or backbone export (model.json)`,
  );
}

/**
 * Assigns the weights of `source` to every variable of `backbone`.
 * @throws PretrainSetupError naming the missing or mis-shaped variables (nothing is assigned then).
 */
export async function loadPretrainedWeights(
  backbone: Backbone,
  source: PretrainedSource,
): Promise<void> {
  if (source.kind === 'export') {
    try {
      await loadParams(backbone.params, source.dir, { backbone: source.backbone.name });
    } catch (e) {
      throw new PretrainSetupError(`--from: ${(e as Error).message}`);
    }
    return;
  }
  const data = await loadCheckpoint<unknown>(source.dir).catch((e: Error) => {
    throw new PretrainSetupError(`--from: ${e.message}`);
  });
  const problems: string[] = [];
  for (const [name, variable] of backbone.params.variables) {
    const stored = data.variables[name];
    if (!stored) problems.push(`'${name}' is missing`);
    else if (!tf.util.arraysEqual(stored.shape, variable.shape)) {
      problems.push(
        `'${name}' is [${stored.shape}] in the checkpoint, [${variable.shape}] in the model`,
      );
    }
  }
  if (problems.length > 0) {
    throw new PretrainSetupError(
      `--from: checkpoint ${source.dir} does not match backbone ${source.backbone.name}: ${problems.slice(0, 5).join('; ')}`,
    );
  }
  for (const [name, variable] of backbone.params.variables) {
    const { values, shape } = data.variables[name];
    tf.tidy(() => variable.assign(tf.tensor(values, shape, 'float32')));
  }
}
