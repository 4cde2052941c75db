/**
 * Training checkpoints: everything needed to continue a run bit for bit.
 *
 * Layout, under `<output>/checkpoints/`:
 *   step-00000500/state.json   step, loader state, framework meta, elapsed time, the resolved
 *                              recipe and its hash, and the manifest of tensors.bin
 *   step-00000500/tensors.bin  float32 little-endian: every framework variable
 *                              (`fw.allVariables()`), the optimizer's slots, the framework's tensors
 *   latest                     the name of the newest complete checkpoint folder
 *
 * Writes are atomic: the folder is written and fsynced under a temporary name, renamed into place,
 * and only then is `latest` replaced (temp file + rename). A crash at any moment leaves `latest`
 * naming a complete checkpoint. Older checkpoints beyond `keep` are removed afterwards.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../data/atomic_write';
import type { LoaderState } from '../data/loader';
import type { PretrainRecipe } from '../recipes/schema';

export const CHECKPOINT_FORMAT = 'faceclr-checkpoint';
export const CHECKPOINT_VERSION = 1;
const STATE_FILE = 'state.json';
const TENSORS_FILE = 'tensors.bin';
const LATEST_FILE = 'latest';

/** A named float32 tensor as stored. */
export interface StoredTensor {
  shape: number[];
  values: Float32Array;
}

export type TensorGroup = Record<string, StoredTensor>;

/** What a checkpoint holds; `R` is the run's resolved recipe (pretraining by default). */
export interface CheckpointData<R = PretrainRecipe> {
  /** Optimisation steps completed (the next step to run). */
  step: number;
  totalSteps: number;
  /** Seconds of training so far, over all sessions. */
  elapsedSeconds: number;
  loader: LoaderState;
  frameworkMeta: Record<string, unknown>;
  recipe: R;
  recipeHash: string;
  /** The loss of the last step before the checkpoint. */
  lastLoss: number | null;
  variables: TensorGroup;
  optimizer: TensorGroup;
  framework: TensorGroup;
}

interface ManifestEntry {
  group: 'variables' | 'optimizer' | 'framework';
  name: string;
  shape: number[];
  offset: number;
}

type StateJson = Omit<CheckpointData<unknown>, 'variables' | 'optimizer' | 'framework'> & {
  format: string;
  version: number;
  createdAt: string;
  tensors: ManifestEntry[];
};

/** The checkpoints folder of a run folder. */
export function checkpointsDir(outputDir: string): string {
  return path.join(outputDir, 'checkpoints');
}

function folderName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

async function writeSynced(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.promises.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checkpoint atomically and points `latest` at it; removes all but the newest `keep`.
 * @returns the checkpoint folder.
 */
export async function saveCheckpoint(
  outputDir: string,
  data: CheckpointData<unknown>,
  keep = 2,
): Promise<string> {
  const dir = checkpointsDir(outputDir);
  await fs.promises.mkdir(dir, { recursive: true });
  const manifest: ManifestEntry[] = [];
  let bytes = 0;
  const groups = {
    variables: data.variables,
    optimizer: data.optimizer,
    framework: data.framework,
  };
  for (const [group, tensors] of Object.entries(groups) as [
    ManifestEntry['group'],
    TensorGroup,
  ][]) {
    for (const name of Object.keys(tensors).sort()) {
      manifest.push({ group, name, shape: tensors[name].shape, offset: bytes });
      bytes += tensors[name].values.length * 4;
    }
  }
  const buffer = new Uint8Array(bytes);
  const floats = new Float32Array(buffer.buffer);
  for (const entry of manifest)
    floats.set(groups[entry.group][entry.name].values, entry.offset / 4);
  const state: StateJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    step: data.step,
    totalSteps: data.totalSteps,
    elapsedSeconds: data.elapsedSeconds,
    loader: data.loader,
    frameworkMeta: data.frameworkMeta,
    recipe: data.recipe,
    recipeHash: data.recipeHash,
    lastLoss: data.lastLoss,
    tensors: manifest,
  };
  const name = folderName(data.step);
  const target = path.join(dir, name);
  const tmp = path.join(dir, `.tmp-${name}-${process.pid}-${Date.now().toString(36)}`);
  try {
    try {
      await fs.promises.mkdir(tmp);
      await writeSynced(path.join(tmp, TENSORS_FILE), buffer);
      await writeSynced(path.join(tmp, STATE_FILE), JSON.stringify(state, null, 1));
      if (fs.existsSync(target)) {
        // the same step again (a resumed run stopped where it started): swap the old one out
        const old = `${tmp}-old`;
        await fs.promises.rename(target, old);
        await fs.promises.rename(tmp, target);
        await fs.promises.rm(old, { recursive: true, force: true });
      } else {
        await fs.promises.rename(tmp, target);
      }
    } finally {
      await fs.promises.rm(tmp, { recursive: true, force: true });
    }
    await writeFileAtomic(path.join(dir, LATEST_FILE), `${name}\n`);
  } catch (e) {
    // e.g. ENOSPC: the temporary folder is gone and `latest` still names the previous checkpoint
    const kept = latestCheckpoint(outputDir);
    throw new Error(
      `saveCheckpoint: cannot write checkpoint ${name} in '${dir}' (${(e as Error).message}); ` +
        (kept
          ? `the last complete checkpoint is ${kept}: free some space and resume from it`
          : 'no earlier checkpoint exists'),
      { cause: e },
    );
  }
  await pruneCheckpoints(dir, name, keep);
  return target;
}

async function pruneCheckpoints(dir: string, latest: string, keep: number): Promise<void> {
  const names = (await fs.promises.readdir(dir))
    .filter((n) => /^step-\d+$/.test(n) && n !== latest)
    .sort();
  const remove = names.slice(0, Math.max(0, names.length - (keep - 1)));
  for (const n of remove) await fs.promises.rm(path.join(dir, n), { recursive: true, force: true });
}

/** The folder `latest` names, or undefined when the run has no checkpoint. */
export function latestCheckpoint(outputDir: string): string | undefined {
  const dir = checkpointsDir(outputDir);
  let name: string;
  try {
    name = fs.readFileSync(path.join(dir, LATEST_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  return name ? path.join(dir, name) : undefined;
}

/**
 * Reads a checkpoint folder.
 * @throws Error naming the folder when a file is missing, of another format, or truncated.
 */
export async function loadCheckpoint<R = PretrainRecipe>(dir: string): Promise<CheckpointData<R>> {
  const fn = 'loadCheckpoint';
  let state: StateJson;
  try {
    state = JSON.parse(await fs.promises.readFile(path.join(dir, STATE_FILE), 'utf8')) as StateJson;
  } catch (e) {
    throw new Error(`${fn}: cannot read ${path.join(dir, STATE_FILE)}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (state.format !== CHECKPOINT_FORMAT || state.version !== CHECKPOINT_VERSION) {
    throw new Error(
      `${fn}: ${dir} is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} (format ${state.format} v${state.version})`,
    );
  }
  const bin = await fs.promises.readFile(path.join(dir, TENSORS_FILE));
  const floats = new Float32Array(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  );
  const groups: Record<ManifestEntry['group'], TensorGroup> = {
    variables: {},
    optimizer: {},
    framework: {},
  };
  for (const entry of state.tensors) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    const start = entry.offset / 4;
    if (start + size > floats.length) {
      throw new Error(`${fn}: ${path.join(dir, TENSORS_FILE)} is truncated (at '${entry.name}')`);
    }
    groups[entry.group][entry.name] = {
      shape: entry.shape,
      values: floats.slice(start, start + size),
    };
  }
  return {
    step: state.step,
    totalSteps: state.totalSteps,
    elapsedSeconds: state.elapsedSeconds,
    loader: state.loader,
    frameworkMeta: state.frameworkMeta,
    recipe: state.recipe as R,
    recipeHash: state.recipeHash,
    lastLoss: state.lastLoss,
    ...groups,
  };
}
