/**
 * `generateSynthFaces`: writes a synthetic identity-folder dataset, `outDir/id_XXXX/NNNN.png`, for
 * tests and smoke runs without real photos. Deterministic for a seed: image j of identity i
 * depends only on (seed, i, j), whatever the concurrency or the number of identities.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { DataError } from '../errors';
import type { ImageSource } from '../image_source';
import { synthFace } from './render';

export interface SynthFacesOptions {
  /** Folder to write the identity folders into (created if needed). */
  outDir: string;
  /** Number of identities. */
  identities: number;
  /** Images per identity. */
  imagesPerIdentity: number;
  /** Image side in pixels (default 64). */
  size?: number;
  /** Seed (default 0). */
  seed?: number | string;
  /** Scale of pose, lighting, texture and noise (default 1; 0 gives clean, centred faces). */
  nuisanceStrength?: number;
  /** Images rendered in parallel (default 4). */
  concurrency?: number;
}

function checkCount(name: string, value: number | undefined, min: number): void {
  if (value === undefined || !Number.isInteger(value) || value < min) {
    throw new DataError(
      `generateSynthFaces: options.${name} must be an integer >= ${min}, got ${value}`,
    );
  }
}

/**
 * Renders and writes the dataset; returns it as a labeled source (label = identity number).
 *
 * @throws DataError for a non-positive count or size.
 * @example
 * const source = await generateSynthFaces({ outDir: tmp, identities: 20, imagesPerIdentity: 8, size: 64, seed: 1 });
 */
export async function generateSynthFaces(options: SynthFacesOptions): Promise<ImageSource> {
  checkCount('identities', options.identities, 1);
  checkCount('imagesPerIdentity', options.imagesPerIdentity, 1);
  const size = options.size ?? 64;
  checkCount('size', size, 8);
  const seed = options.seed ?? 0;
  const root = path.resolve(options.outDir);
  const classNames = Array.from(
    { length: options.identities },
    (_, i) => `id_${String(i).padStart(4, '0')}`,
  );
  const paths: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < options.identities; i++) {
    await fs.promises.mkdir(path.join(root, classNames[i]), { recursive: true });
    for (let j = 0; j < options.imagesPerIdentity; j++) {
      paths.push(path.join(root, classNames[i], `${String(j).padStart(4, '0')}.png`));
      labels.push(i);
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const k = next++;
      const [i, j] = [labels[k], k % options.imagesPerIdentity];
      const rgb = await synthFace(seed, i, j, size, options.nuisanceStrength ?? 1);
      await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
        .png({ compressionLevel: 1 })
        .toFile(paths[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return { paths, labels, classNames, root };
}
