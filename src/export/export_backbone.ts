/**
 * `faceclr export`: a trained backbone as a standalone TensorFlow.js layers model that plain
 * `@tensorflow/tfjs` loads (`tf.loadLayersModel`) in Node or a browser without faceclr, plus
 * `faceclr-export.json`, the preprocessing the model expects:
 *
 *   images in [0, 1], NHWC → centre crop of `crop` of the side → bilinear resize to `inputSize`
 *   → (x − mean) / std per channel → model → embedding; with `flipSum`, add the embedding of the
 *   mirrored crop; L2-normalise; compare by cosine against `threshold`.
 *
 * That is exactly what faceclr's own evaluation does (`src/eval/embedder.ts`), so a threshold
 * chosen on LFW by `faceclr` applies to the exported model unchanged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../data/atomic_write';
import { tf } from '../engine/tf';
import { checkpointEmbedder } from '../eval/checkpoint_embedder';
import type { Normalize } from '../eval/embedder';
import type { Backbone } from '../models/backbone';
import { findEvaluationFiles } from '../report/run_files';
import { buildLayersModel, layersGraphFamily } from './backbone_layers';
import { loadLayersModelFromDir, saveLayersModel } from './layers_files';

export const EXPORT_METADATA_FILE = 'faceclr-export.json';
export const EXPORT_FORMAT = 'faceclr-export';

/** `faceclr-export.json`. */
export interface ExportMetadata {
  format: typeof EXPORT_FORMAT;
  version: 1;
  /** Registry name (`resnet18-narrow`, `ir18`, ...) and its resolved config. */
  backbone: string;
  config: object;
  /** Model input: [N, inputSize, inputSize, 3], NHWC, float32. */
  inputSize: number;
  /** Pixel values before normalisation. */
  pixelRange: [number, number];
  /** Centre-crop fraction of the image side taken before resizing. */
  crop: number;
  /** Per-channel (x − mean) / std after resizing, or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
  /** Whether embeddings are flip-summed (image + mirror) before L2 normalisation. */
  flipSum: boolean;
  embeddingSize: number;
  similarity: 'cosine';
  /** Cosine threshold for "same person" (from an evaluation or `--threshold`), or null. */
  threshold: number | null;
  thresholdSource: string | null;
  source: string;
  createdAt: string;
  generatedBy: string;
}

export interface WriteExportOptions {
  backbone: string;
  inputSize: number;
  crop: number;
  normalize: Normalize;
  threshold?: number | null;
  thresholdSource?: string | null;
  source: string;
}

/** Writes the layers model of `backbone` and its metadata to `outDir` (the backbone is kept). */
export async function writeExport(
  backbone: Backbone,
  outDir: string,
  options: WriteExportOptions,
): Promise<ExportMetadata> {
  const model = buildLayersModel(backbone, { inputSize: options.inputSize });
  try {
    await saveLayersModel(model, outDir);
  } finally {
    model.dispose();
  }
  const normalize = options.normalize && {
    mean: [...options.normalize.mean],
    std: [...options.normalize.std],
  };
  const metadata: ExportMetadata = {
    format: EXPORT_FORMAT,
    version: 1,
    backbone: options.backbone,
    config: backbone.config,
    inputSize: options.inputSize,
    pixelRange: [0, 1],
    crop: options.crop,
    normalize,
    flipSum: true,
    embeddingSize: backbone.embeddingSize,
    similarity: 'cosine',
    threshold: options.threshold ?? null,
    thresholdSource: options.thresholdSource ?? null,
    source: options.source,
    createdAt: new Date().toISOString(),
    generatedBy: `faceclr (TensorFlow.js ${tf.version_core})`,
  };
  await writeFileAtomic(
    path.join(outDir, EXPORT_METADATA_FILE),
    `${JSON.stringify(metadata, null, 2)}\n`,
  );
  return metadata;
}

/**
 * The first numeric `threshold` in an `eval*.json` of `source` or up to two folders above it (a
 * run's `backbone/` export or `checkpoints/step-N` folder sits one or two below the run).
 */
export function findThreshold(source: string): { threshold: number; file: string } | undefined {
  let dir = path.resolve(source);
  for (let up = 0; up <= 2; up++, dir = path.dirname(dir)) {
    for (const file of findEvaluationFiles(dir)) {
      try {
        const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { threshold?: unknown };
        if (typeof json.threshold === 'number' && Number.isFinite(json.threshold))
          return { threshold: json.threshold, file };
      } catch {
        // not JSON: not a threshold source
      }
    }
  }
  return undefined;
}

/**
 * Largest |a − b| over the largest |a|, of the exported model (loaded back from `outDir`) against
 * `backbone` in inference mode, on `count` random images.
 */
export async function verifyExport(
  backbone: Backbone,
  outDir: string,
  inputSize: number,
  count = 2,
): Promise<number> {
  const model = await loadLayersModelFromDir(outDir);
  try {
    const error = tf.tidy(() => {
      const x = tf.randomNormal(
        [count, inputSize, inputSize, 3],
        0,
        1,
        'float32',
        7,
      ) as tf.Tensor4D;
      const expected = backbone.apply(x, { training: false });
      const actual = model.predict(x) as tf.Tensor;
      const scale = tf.maximum(tf.max(tf.abs(expected)), 1e-12);
      return tf.div(tf.max(tf.abs(tf.sub(expected, actual))), scale);
    });
    const value = (await error.data())[0];
    error.dispose();
    return value;
  } finally {
    model.dispose();
  }
}

export interface ExportOptions {
  /** Model input side (default: the recipe's view size, or the architecture's fixed size). */
  inputSize?: number;
  /** Cosine threshold to record (default: from an eval*.json near `source`, else none). */
  threshold?: number;
  /** Compare the written model against the backbone on random inputs (default true). */
  verify?: boolean;
}

export interface ExportResult {
  outDir: string;
  metadata: ExportMetadata;
  /** See `verifyExport`; undefined with `verify: false`. */
  maxRelativeError?: number;
}

/**
 * Exports the backbone of a faceclr params folder (`src/models/serialize.ts`), training checkpoint
 * (`src/train/checkpoint.ts`) or run folder, as `src/eval/checkpoint_embedder.ts` resolves them.
 * @throws EvalInputError when `source` is not a faceclr model; Error for a backbone family with no
 *   layers graph.
 * @example await exportBackbone('runs/simclr-cpu', 'exported/simclr'); // model.json, weights.bin, faceclr-export.json
 */
export async function exportBackbone(
  source: string,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const embedder = await checkpointEmbedder(source, { inputSize: options.inputSize });
  try {
    // The embedder owns the backbone it loaded; export reads it without taking it over.
    const backbone = embedder['backbone'] as Backbone;
    if (layersGraphFamily(backbone) === undefined) {
      throw new Error(`exportBackbone: no tf.layers graph for ${backbone.constructor.name}`);
    }
    const found = options.threshold === undefined ? findThreshold(source) : undefined;
    const metadata = await writeExport(backbone, outDir, {
      backbone: /:([^:@]+)@\d+$/.exec(embedder.name)?.[1] ?? backbone.constructor.name,
      inputSize: embedder.inputSize,
      crop: embedder.crop,
      normalize: embedder.normalize,
      threshold: options.threshold ?? found?.threshold ?? null,
      thresholdSource: options.threshold !== undefined ? '--threshold' : (found?.file ?? null),
      source: path.resolve(source),
    });
    const maxRelativeError =
      options.verify === false
        ? undefined
        : await verifyExport(backbone, outDir, embedder.inputSize);
    return { outDir: path.resolve(outDir), metadata, maxRelativeError };
  } finally {
    embedder.dispose();
  }
}
