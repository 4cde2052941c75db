/**
 * A synthetic stand-in for LFW: synthetic faces laid out as `images/<Name>/<Name>_NNNN.jpg` with
 * a View 2 style `pairs.txt` whose folds are identity-disjoint, so the whole pipeline (pretrain,
 * identity-disjoint fine-tuning, 10-fold verification) runs on a fresh machine with no data.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Rng } from '../../util/random';
import { generateSynthFaces } from './generate';

export interface SynthLfwOptions {
  outDir: string;
  /** Folds of the pairs file (default 10). */
  folds?: number;
  /** People per fold (default 8); every person appears in exactly one fold. */
  peoplePerFold?: number;
  /** Images per person (default 8, at least 2). */
  imagesPerPerson?: number;
  /** Same-person pairs per fold, and as many different-person pairs (default 30). */
  pairsPerFold?: number;
  size?: number;
  seed?: number;
}

export interface SynthLfw {
  root: string;
  imagesRoot: string;
  pairsFile: string;
  people: number;
  images: number;
}

export const synthPersonName = (i: number): string => `Synth_Person${String(i).padStart(4, '0')}`;

/** Writes the synthetic LFW folder; returns its paths. */
export async function generateSynthLfw(options: SynthLfwOptions): Promise<SynthLfw> {
  const folds = options.folds ?? 10;
  const perFold = options.peoplePerFold ?? 8;
  const perPerson = options.imagesPerPerson ?? 8;
  const pairs = options.pairsPerFold ?? 30;
  if (perPerson < 2)
    throw new Error(`generateSynthLfw: imagesPerPerson must be ≥ 2, got ${perPerson}`);
  if (perFold < 2) throw new Error(`generateSynthLfw: peoplePerFold must be ≥ 2, got ${perFold}`);
  const root = path.resolve(options.outDir);
  const imagesRoot = path.join(root, 'images');
  const staging = path.join(root, '.staging');
  const people = folds * perFold;
  const source = await generateSynthFaces({
    outDir: staging,
    identities: people,
    imagesPerIdentity: perPerson,
    size: options.size ?? 64,
    seed: options.seed ?? 0,
  });
  for (let k = 0; k < source.paths.length; k++) {
    const name = synthPersonName(source.labels![k]);
    const dir = path.join(imagesRoot, name);
    await fs.promises.mkdir(dir, { recursive: true });
    const index = String((k % perPerson) + 1).padStart(4, '0');
    await sharp(source.paths[k])
      .jpeg({ quality: 95 })
      .toFile(path.join(dir, `${name}_${index}.jpg`));
  }
  fs.rmSync(staging, { recursive: true, force: true });

  const rng = new Rng(`${options.seed ?? 0}:synth-lfw-pairs`);
  const lines = [`${folds}\t${pairs}`];
  for (let f = 0; f < folds; f++) {
    const person = (j: number) => f * perFold + j;
    for (let p = 0; p < pairs; p++) {
      const who = person(rng.int(perFold));
      const i = rng.int(perPerson);
      const j = (i + 1 + rng.int(perPerson - 1)) % perPerson;
      lines.push(`${synthPersonName(who)}\t${i + 1}\t${j + 1}`);
    }
    for (let p = 0; p < pairs; p++) {
      const a = rng.int(perFold);
      const b = (a + 1 + rng.int(perFold - 1)) % perFold;
      const [na, nb] = [synthPersonName(person(a)), synthPersonName(person(b))];
      lines.push(`${na}\t${rng.int(perPerson) + 1}\t${nb}\t${rng.int(perPerson) + 1}`);
    }
  }
  const pairsFile = path.join(root, 'pairs.txt');
  fs.writeFileSync(pairsFile, `${lines.join('\n')}\n`);
  return { root, imagesRoot, pairsFile, people, images: people * perPerson };
}
