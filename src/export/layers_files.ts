/**
 * A `tf.LayersModel` to and from a folder, in the standard TensorFlow.js layers format that
 * `tf.loadLayersModel('…/model.json')` reads over HTTP in a browser or from `file://` with
 * tfjs-node: `model.json` (`format: 'layers-model'`, the Keras topology, a weights manifest) plus
 * one `weights.bin` (float32, little-endian, in manifest order).
 *
 * Plain `@tensorflow/tfjs` in Node has no `file://` handler, so saving goes through
 * `tf.io.withSaveHandler` and loading through `tf.io.fromMemory`, with the files written and read
 * here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../data/atomic_write';
import { tf } from '../engine/tf';

export const LAYERS_MODEL_FILE = 'model.json';
export const LAYERS_WEIGHTS_FILE = 'weights.bin';

/**
 * Writes `dir/model.json` + `dir/weights.bin` (each atomically; `dir` is created).
 * @returns the byte size of the weights.
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<number> {
  await fs.promises.mkdir(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array(0);
      bytes = weights.byteLength;
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'faceclr export',
        weightsManifest: [{ paths: [LAYERS_WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(path.join(dir, LAYERS_WEIGHTS_FILE), weights);
      await writeFileAtomic(path.join(dir, LAYERS_MODEL_FILE), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: bytes,
        },
      };
    }),
  );
  return bytes;
}

/**
 * Loads a layers model folder written by `saveLayersModel` (or any single-group tfjs layers
 * model) with `tf.loadLayersModel`, reading the files itself.
 * @throws if `model.json` is missing, not a layers model, or its weight files are missing.
 */
export async function loadLayersModelFromDir(dir: string): Promise<tf.LayersModel> {
  const file = path.join(dir, LAYERS_MODEL_FILE);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await fs.promises.readFile(file, 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new Error(`loadLayersModelFromDir: cannot read ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (json.format !== 'layers-model' || !json.modelTopology) {
    throw new Error(
      `loadLayersModelFromDir: ${file} is not a tfjs layers model (format '${json.format}')`,
    );
  }
  const groups = json.weightsManifest ?? [];
  const buffers = await Promise.all(
    groups.flatMap((g) => g.paths).map((p) => fs.promises.readFile(path.join(dir, p))),
  );
  const data = Buffer.concat(buffers);
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: groups.flatMap((g) => g.weights),
      weightData,
    }),
  );
}
