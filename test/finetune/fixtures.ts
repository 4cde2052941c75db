/**
 * Fixtures for the fine-tuning tests: the trainer's tiny ResNet (widths [8,8,16,16]) in the
 * registries, and a tiny fine-tuning recipe over 16×16 synthetic faces (6 identities × 4 images).
 */
import * as fs from 'fs';
import * as path from 'path';
import { resolveFinetuneRecipe, type FinetuneRecipe } from '../../src/recipes';
import { STUB_REGISTRIES } from '../train/fixtures';

export const registries = STUB_REGISTRIES;

type Json = Record<string, unknown>;

function mergeDeep(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const objects = [v, prev].every((x) => x && typeof x === 'object' && !Array.isArray(x));
    out[k] = objects ? mergeDeep(prev as Json, v as Json) : v;
  }
  return out;
}

/** Overrides deep-merged onto the tiny recipe (arrays replaced). */
export function tinyFinetuneRecipe(
  root: string,
  overrides: Record<string, unknown> = {},
): FinetuneRecipe {
  const base = {
    task: 'finetune',
    seed: 5,
    data: {
      path: 'synth',
      size: 16,
      cacheDir: path.join(root, 'cache'),
      synth: { identities: 6, imagesPerIdentity: 4 },
    },
    augment: { overrides: { views: [{ size: 16, blur: { probability: 0 } }] } },
    backbone: { name: 'tiny' },
    margin: { name: 'arcface', scale: 16, margin: 0.3 },
    optimizer: { name: 'adam', lr: 0.01 },
    schedule: { name: 'constant' },
    train: { batch: 12, steps: 6, checkpointEvery: 2, logEvery: 2, imagesPerIdentity: 2 },
    output: { dir: path.join(root, 'run') },
  };
  return resolveFinetuneRecipe(mergeDeep(base, overrides), 'tiny finetune recipe', {
    registries,
  });
}

/** The synthetic face folder the tiny recipe renders (after a first run). */
export function synthFolder(root: string): string {
  return path.join(root, 'cache', 'synth-faces-6x4-16px');
}

/**
 * A View 2-style pairs file over the synthetic identity folders: `folds` folds of 1 same + 1
 * different pair, naming the people given per fold ([same person, other person]).
 */
export function writeSynthPairs(file: string, people: [string, string][]): void {
  const rows = people.flatMap(([a, b]) => [`${a}\t1\t2`, `${a}\t1\t${b}\t1`]);
  fs.writeFileSync(file, `${people.length}\t1\n${rows.join('\n')}\n`);
}
