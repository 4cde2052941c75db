/**
 * Saving and loading a `ParamStore` in the TensorFlow.js weights format: a `model.json` with
 * `format: 'faceclr-params'`, faceclr metadata (`meta`: backbone name, config, ...) and a standard
 * `weightsManifest` (`[{ paths: ['weights.bin'], weights: [{ name, shape, dtype }] }]`), plus the
 * raw little-endian `weights.bin` (tf.io.encodeWeights). Every variable is saved, trainable or not
 * (batch-norm running statistics included).
 *
 * Writes are atomic: both files are written (and fsynced) in a temporary sibling directory. A new
 * directory is then renamed into place; into an existing one, `weights.bin` and then `model.json`
 * are renamed over the old files (other files there are left alone).
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../engine/tf';
import { ParamStore } from './params';

export const PARAMS_FORMAT = 'faceclr-params';
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** Checkpoint metadata; `backbone` (a registry name) and `config` are checked by `loadParams`. */
export interface ParamsMeta {
  backbone?: string;
  config?: object;
  [key: string]: unknown;
}

interface ModelJson {
  format: string;
  generatedBy: string;
  meta: ParamsMeta;
  weightsManifest: tf.io.WeightsManifestConfig;
}

let counter = 0;

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
 * Saves every variable of `store` to `dir/model.json` + `dir/weights.bin`, atomically.
 * @param meta JSON-serialisable metadata, e.g. `{ backbone: 'ir18', config: backbone.config }`.
 * @throws the file-system error (the temporary directory is removed first).
 */
export async function saveParams(store: ParamStore, dir: string, meta: ParamsMeta): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(store.all());
  const model: ModelJson = {
    format: PARAMS_FORMAT,
    generatedBy: `faceclr (TensorFlow.js ${tf.version_core})`,
    meta,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  const target = path.resolve(dir);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  counter += 1;
  const tmp = `${target}.tmp-${process.pid}-${Date.now().toString(36)}-${counter}`;
  try {
    await fs.promises.mkdir(tmp);
    await writeSynced(path.join(tmp, WEIGHTS_FILE), new Uint8Array(data));
    await writeSynced(path.join(tmp, MODEL_FILE), JSON.stringify(model, null, 2));
    if (!fs.existsSync(target)) {
      await fs.promises.rename(tmp, target);
      return;
    }
    await fs.promises.rename(path.join(tmp, WEIGHTS_FILE), path.join(target, WEIGHTS_FILE));
    await fs.promises.rename(path.join(tmp, MODEL_FILE), path.join(target, MODEL_FILE));
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Loads `dir/model.json` + `dir/weights.bin` into the variables of `store`. Nothing is assigned
 * unless every variable matches: same names, same shapes, float32.
 *
 * @param options.backbone the backbone the caller expects; named in the error when it differs
 *   from the checkpoint's `meta.backbone`.
 * @returns the checkpoint's metadata.
 * @throws if the files are missing or not faceclr params, or on a mismatch, naming the variable,
 *   the model's and the checkpoint's shapes and, if they differ, both backbone names
 *   ("checkpoint is for backbone X, recipe asks for Y").
 */
export async function loadParams(
  store: ParamStore,
  dir: string,
  options: { backbone?: string } = {},
): Promise<ParamsMeta> {
  const modelPath = path.join(dir, MODEL_FILE);
  const model = JSON.parse(
    await fs.promises.readFile(modelPath, 'utf8').catch((e: Error) => {
      throw new Error(`loadParams: cannot read ${modelPath}: ${e.message}`);
    }),
  ) as ModelJson;
  if (model.format !== PARAMS_FORMAT || !Array.isArray(model.weightsManifest)) {
    throw new Error(
      `loadParams: ${modelPath} is not a '${PARAMS_FORMAT}' file (format '${model.format}')`,
    );
  }
  const meta = model.meta ?? {};
  const specs = model.weightsManifest.flatMap((group) => group.weights);
  const files = model.weightsManifest.flatMap((group) => group.paths);
  const buffers = await Promise.all(files.map((f) => fs.promises.readFile(path.join(dir, f))));
  const data = Buffer.concat(buffers);

  const problems: string[] = [];
  const found = new Map(specs.map((s) => [s.name, s]));
  for (const [name, variable] of store.variables) {
    const spec = found.get(name);
    if (!spec)
      problems.push(`'${name}' ${shapeText(variable.shape)} is missing from the checkpoint`);
    else if (spec.dtype !== 'float32')
      problems.push(`'${name}' has dtype ${spec.dtype}, expected float32`);
    else if (shapeText(spec.shape) !== shapeText(variable.shape)) {
      problems.push(
        `'${name}' has shape ${shapeText(variable.shape)} in the model, ${shapeText(spec.shape)} in the checkpoint`,
      );
    }
  }
  for (const spec of specs) {
    if (!store.variables.has(spec.name))
      problems.push(
        `'${spec.name}' ${shapeText(spec.shape)} is in the checkpoint but not in the model`,
      );
  }
  const expectedBytes = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (problems.length === 0 && data.byteLength !== expectedBytes) {
    problems.push(
      `${files.join(', ')} has ${data.byteLength} bytes, the manifest describes ${expectedBytes}`,
    );
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    const names =
      options.backbone !== undefined &&
      meta.backbone !== undefined &&
      meta.backbone !== options.backbone
        ? `; checkpoint is for backbone ${meta.backbone}, recipe asks for ${options.backbone}`
        : '';
    throw new Error(
      `loadParams: checkpoint ${dir} does not match the model: ${shown}${more}${names}`,
    );
  }

  const arrayBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const tensors = tf.io.decodeWeights(arrayBuffer, specs);
  try {
    for (const [name, variable] of store.variables) variable.assign(tensors[name]);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return meta;
}
