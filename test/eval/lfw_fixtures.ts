/**
 * A tiny synthetic LFW: `generateSynthFaces` identities renamed into the LFW layout
 * (`images/<Name>/<Name>_0001.jpg`) with View 2 and View 1 pairs files in the official formats,
 * written under `os.tmpdir()`. No real photo is used.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { Embedder, ImageInput } from '../../src/eval/embedder';
import { generateSynthFaces } from '../../src/data';

export const PEOPLE = 8;
export const IMAGES_PER_PERSON = 4;

export const personName = (i: number) => `Person_${String.fromCharCode(65 + i)}`;

/** Two folds of 3 same + 3 different pairs; fold 1 uses people 0-3, fold 2 people 4-7. */
export function view2Pairs(): string {
  const lines = ['2\t3'];
  for (const base of [0, 4]) {
    for (let k = 0; k < 3; k++) lines.push(`${personName(base + k)}\t1\t${k + 2}`);
    for (let k = 0; k < 3; k++) {
      lines.push(
        `${personName(base + k)}\t${k + 1}\t${personName(base + ((k + 1) % 4))}\t${4 - k}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A View 1 file (`N` then N same and N different rows) over people `base..base+3`. */
export function view1Pairs(base: number): string {
  const lines = ['2'];
  for (let k = 0; k < 2; k++) lines.push(`${personName(base + k)}\t${k + 1}\t${k + 3}`);
  for (let k = 0; k < 2; k++)
    lines.push(`${personName(base + k)}\t1\t${personName(base + k + 2)}\t2`);
  return `${lines.join('\n')}\n`;
}

/** Writes `root/images/...`, `pairs.txt`, `pairsDevTrain.txt`, `pairsDevTest.txt`. */
export async function writeSynthLfw(root: string): Promise<void> {
  const synth = path.join(root, 'synth');
  const source = await generateSynthFaces({
    outDir: synth,
    identities: PEOPLE,
    imagesPerIdentity: IMAGES_PER_PERSON,
    size: 64,
    seed: 3,
  });
  for (let k = 0; k < source.paths.length; k++) {
    const name = personName(source.labels![k]);
    const dir = path.join(root, 'images', name);
    fs.mkdirSync(dir, { recursive: true });
    const index = String((k % IMAGES_PER_PERSON) + 1).padStart(4, '0');
    await sharp(source.paths[k])
      .jpeg({ quality: 95 })
      .toFile(path.join(dir, `${name}_${index}.jpg`));
  }
  fs.rmSync(synth, { recursive: true, force: true });
  fs.writeFileSync(path.join(root, 'pairs.txt'), view2Pairs());
  fs.writeFileSync(path.join(root, 'pairsDevTrain.txt'), view1Pairs(0));
  fs.writeFileSync(path.join(root, 'pairsDevTest.txt'), view1Pairs(4));
}

/**
 * The perfect embedder: reads each image's person from its cached path (`<Name>/<Name>_NNNN.jpg`)
 * and returns that person's one-hot row. Only works on an `ImageCache` input.
 */
export class OracleEmbedder implements Embedder {
  readonly name = 'oracle';
  readonly inputSize = 1;
  readonly crop = 1;
  readonly flips = false;

  async embed(images: ImageInput): Promise<Float32Array[]> {
    const paths = (images as unknown as { paths: readonly string[] }).paths;
    return paths.map((p) => {
      const row = new Float32Array(PEOPLE);
      row[path.basename(path.dirname(p)).charCodeAt('Person_'.length) - 65] = 1;
      return row;
    });
  }

  dispose(): void {}
}
