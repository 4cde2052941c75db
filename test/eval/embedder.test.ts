// The embedders: centre-crop boxes, the pixels baseline against a plain-loop reference, flip-sum
// invariance, batching, tensor leaks, and loading a backbone from an export, a run folder and a
// training checkpoint (identical embeddings to the model that was saved).
import * as fs from 'fs';
import * as path from 'path';
import { FACE_NORMALIZE, IMAGENET_NORMALIZE } from '../../src/augment/presets';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { checkpointEmbedder } from '../../src/eval/checkpoint_embedder';
import { BackboneEmbedder, centerCropBox, randomEmbedder } from '../../src/eval/embedder';
import { EvalInputError } from '../../src/eval/errors';
import { PixelsEmbedder } from '../../src/eval/pixels_embedder';
import { createBackbone } from '../../src/models/registry';
import { saveParams } from '../../src/models/serialize';
import { saveCheckpoint } from '../../src/train/checkpoint';
import { makeTempDir, removeTempDir } from '../data/fixtures';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = makeTempDir('eval-embedder');
});
afterAll(() => removeTempDir(tmp));

/** `n` seeded S×S RGB images. */
function randomImages(n: number, size: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n * size * size * 3 }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % 256;
  });
}

/** Each image mirrored left-right. */
function mirror(images: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let p = 0; p < images.length / 3; p++) {
    const [n, y, x] = [Math.floor(p / (size * size)), Math.floor(p / size) % size, p % size];
    const q = (n * size + y) * size + (size - 1 - x);
    out.set(images.subarray(3 * q, 3 * q + 3), 3 * p);
  }
  return out;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  return Math.max(...a.flatMap((row, i) => Array.from(row, (v, d) => Math.abs(v - b[i][d]))));
}

describe('centerCropBox', () => {
  it('gives align-corners boxes of the centred crop', () => {
    expect(centerCropBox(128, 0.75)).toEqual([16 / 127, 16 / 127, 111 / 127, 111 / 127]);
    expect(centerCropBox(64, 1)).toEqual([0, 0, 1, 1]);
  });
});

describe('PixelsEmbedder', () => {
  it('returns the centred, L2-normalised central crop (plain-loop reference)', async () => {
    const [n, size] = [4, 8];
    const images = randomImages(n, size, 1);
    const rows = await new PixelsEmbedder({ inputSize: 6 }).embed(
      { images, size },
      { batchSize: 3 },
    );
    const raw = Array.from({ length: n }, (_, k) => {
      const row: number[] = [];
      for (let y = 1; y < 7; y++)
        for (let x = 1; x < 7; x++)
          for (let c = 0; c < 3; c++) {
            row.push(images[((k * size + y) * size + x) * 3 + c] / 255);
          }
      return row;
    });
    const mean = raw[0].map((_, d) => raw.reduce((a, r) => a + r[d], 0) / n);
    const expected = raw.map((r) => {
      const centred = r.map((v, d) => v - mean[d]);
      const norm = Math.hypot(...centred);
      return Float32Array.from(centred, (v) => v / norm);
    });
    expect(rows).toHaveLength(n);
    expect(maxDiff(rows, expected)).toBeLessThan(1e-5);
    const tensor = tf.tidy(() =>
      tf.div(tf.tensor4d(images, [n, size, size, 3], 'float32'), 255),
    ) as tf.Tensor4D;
    const fromTensor = await new PixelsEmbedder({ inputSize: 6 }).embed(tensor);
    tensor.dispose();
    expect(maxDiff(fromTensor, expected)).toBeLessThan(1e-5);
  });
});

describe('BackboneEmbedder', () => {
  it('flip-sums: an image and its mirror get the same embedding; batching changes nothing', async () => {
    const embedder = randomEmbedder({ seed: 2, inputSize: 16, crop: 1 });
    const [n, size] = [5, 16];
    const images = randomImages(n, size, 3);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const rows = await embedder.embed(
      { images, size },
      { batchSize: 2, onProgress: (done) => progress.push(done) },
    );
    const whole = await embedder.embed({ images, size });
    const mirrored = await embedder.embed({ images: mirror(images, size), size });
    const plain = await embedder.embed({ images, size }, { flip: false });
    const plainMirrored = await embedder.embed(
      { images: mirror(images, size), size },
      { flip: false },
    );
    expect(tf.memory().numTensors).toBe(before);
    embedder.dispose();
    expect(progress).toEqual([2, 4, 5]);
    expect(maxDiff(rows, whole)).toBeLessThan(1e-5);
    expect(rows[0]).toHaveLength(128);
    expect(maxDiff(rows, mirrored)).toBeLessThan(1e-5);
    expect(maxDiff(plain, plainMirrored)).toBeGreaterThan(1e-3);
    for (const row of rows) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
  });
});

describe('checkpointEmbedder', () => {
  const images = randomImages(3, 40, 4);
  /** Rows of a fresh seeded backbone with the given normalisation; saves it with `save` first. */
  async function reference(
    normalize: typeof FACE_NORMALIZE,
    save: (b: ReturnType<typeof createBackbone>) => Promise<void>,
  ) {
    const backbone = createBackbone('resnet18-narrow', { seed: 5, inputSize: 32 });
    await save(backbone);
    const embedder = new BackboneEmbedder('ref', backbone, { inputSize: 32, normalize });
    const rows = await embedder.embed({ images, size: 40 });
    embedder.dispose();
    return rows;
  }

  it('loads a run folder: its backbone/ export, with the recipe beside it', async () => {
    const run = path.join(tmp, 'run');
    const expected = await reference(IMAGENET_NORMALIZE, (b) =>
      saveParams(b.params, path.join(run, 'backbone'), {
        backbone: 'resnet18-narrow',
        config: b.config,
      }),
    );
    fs.writeFileSync(
      path.join(run, 'recipe.json'),
      JSON.stringify({ augment: { preset: 'simclr', overrides: { views: [{ size: 32 }] } } }),
    );
    for (const target of [run, path.join(run, 'backbone')]) {
      const embedder = await checkpointEmbedder(target);
      expect(embedder.inputSize).toBe(32);
      expect(embedder.normalize).toEqual(IMAGENET_NORMALIZE);
      expect(maxDiff(await embedder.embed({ images, size: 40 }), expected)).toBeLessThan(1e-6);
      embedder.dispose();
    }
  });

  it('loads a training checkpoint by variable name (extra framework variables ignored)', async () => {
    const out = path.join(tmp, 'ckpt-run');
    const recipe = {
      seed: 9,
      backbone: { name: 'resnet18-narrow', width: null, embeddingSize: null },
      augment: { preset: 'face', overrides: { views: [{ size: 32 }] } },
    };
    const expected = await reference(FACE_NORMALIZE, async (b) => {
      const variables = Object.fromEntries(
        [...b.params.variables].map(([name, v]) => [
          name,
          { shape: v.shape, values: v.dataSync() as Float32Array },
        ]),
      );
      variables['projector/dense0/kernel'] = { shape: [2], values: new Float32Array(2) };
      await saveCheckpoint(out, {
        step: 3,
        totalSteps: 3,
        elapsedSeconds: 1,
        loader: {} as never,
        frameworkMeta: {},
        recipe: recipe as never,
        recipeHash: 'test',
        lastLoss: null,
        variables,
        optimizer: {},
        framework: {},
      });
    });
    const embedder = await checkpointEmbedder(out);
    expect(embedder.name).toBe('ckpt-run:resnet18-narrow@32');
    expect(maxDiff(await embedder.embed({ images, size: 40 }), expected)).toBeLessThan(1e-6);
    embedder.dispose();
  });

  it('refuses a folder that is not a checkpoint', async () => {
    await expect(checkpointEmbedder(tmp)).rejects.toThrow(EvalInputError);
    await expect(checkpointEmbedder(tmp)).rejects.toThrow(/is not a faceclr backbone export/);
  });
});
