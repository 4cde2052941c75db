import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { EvalInputError } from '../../src/eval/errors';
import {
  buildLayersModel,
  exportBackbone,
  EXPORT_METADATA_FILE,
  loadLayersModelFromDir,
  saveLayersModel,
  type ExportMetadata,
} from '../../src/export';
import type { Backbone } from '../../src/models/backbone';
import { saveCheckpoint, type CheckpointData } from '../../src/train/checkpoint';
import { perturbedBackbone, saveBackbone } from './fixtures';

/** What a browser does: `tf.loadLayersModel` on an IOHandler that reads the written files. */
async function loadWithPlainTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const handler: tf.io.IOHandler = {
    load: async () => {
      const bytes = Buffer.concat(
        json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p))),
      );
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
  return tf.loadLayersModel(handler);
}

/** Random images and the backbone's inference-mode embeddings of them. */
function reference(backbone: Backbone, size: number): { x: tf.Tensor4D; expected: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    return { x, expected: backbone.apply(x, { training: false }) };
  });
}

/** max |model(x) − expected| / max |expected|; disposes `x` and `expected`. */
function relativeError(
  model: tf.LayersModel,
  ref: { x: tf.Tensor4D; expected: tf.Tensor },
): number {
  const error = tf.tidy(() => {
    const actual = model.predict(ref.x) as tf.Tensor;
    expect(actual.shape).toEqual(ref.expected.shape);
    return (
      tf.max(tf.abs(tf.sub(ref.expected, actual))).dataSync()[0] /
      tf.max(tf.abs(ref.expected)).dataSync()[0]
    );
  });
  tf.dispose([ref.x, ref.expected]);
  return error;
}

// faceclr variables have global names: one backbone of a family lives at a time, so each test
// takes its reference outputs and disposes the backbone before faceclr loads it again.
const made: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-export-'));
  made.push(dir);
  return dir;
}
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

beforeAll(async () => {
  await initBackend('wasm', { announce: false });
});

describe('exportBackbone', () => {
  it('writes a resnet18-narrow layers model that plain tfjs loads and that matches the backbone', async () => {
    const dir = tmp();
    // Half width: the same graph as width 1 (the CLI verifies every export at any width), and
    // creating the full-width backbone twice costs ~10 s under jest.
    const backbone = perturbedBackbone('resnet18-narrow', { width: 0.5 });
    await saveBackbone(backbone, 'resnet18-narrow', path.join(dir, 'params'));
    const ref = reference(backbone, 64);
    backbone.dispose();
    const before = tf.memory().numTensors;
    const result = await exportBackbone(path.join(dir, 'params'), path.join(dir, 'out'), {
      threshold: 0.42,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.maxRelativeError).toBeLessThan(1e-4);

    const files = fs.readdirSync(path.join(dir, 'out')).sort();
    expect(files).toEqual(['faceclr-export.json', 'model.json', 'weights.bin']);
    const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    const classes = new Set<string>(
      modelJson.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name),
    );
    expect([...classes].sort()).toEqual([
      'Add',
      'BatchNormalization',
      'Conv2D',
      'Dense',
      'GlobalAveragePooling2D',
      'InputLayer',
      'ReLU',
      'ZeroPadding2D',
    ]);

    const metadata = JSON.parse(
      fs.readFileSync(path.join(dir, 'out', EXPORT_METADATA_FILE), 'utf8'),
    ) as ExportMetadata;
    expect(metadata).toMatchObject({
      format: 'faceclr-export',
      backbone: 'resnet18-narrow',
      inputSize: 64,
      crop: 0.75,
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
      flipSum: true,
      embeddingSize: 128,
      threshold: 0.42,
      thresholdSource: '--threshold',
    });

    const model = await loadWithPlainTfjs(path.join(dir, 'out'));
    expect(relativeError(model, ref)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('exports from a training checkpoint and finds the threshold in the run folder', async () => {
    const run = tmp();
    const backbone = perturbedBackbone('resnet18-narrow', { width: 0.25, seed: 5 });
    const variables = Object.fromEntries(
      [...backbone.params.variables].map(([k, v]) => [
        k,
        { shape: v.shape, values: v.dataSync() as Float32Array },
      ]),
    );
    const data = {
      step: 3,
      totalSteps: 3,
      elapsedSeconds: 1,
      loader: {},
      frameworkMeta: {},
      recipe: { seed: 5, backbone: { name: 'resnet18-narrow', width: 0.25, embeddingSize: null } },
      recipeHash: 'test',
      lastLoss: 1,
      variables,
      optimizer: {},
      framework: {},
    } as unknown as CheckpointData;
    const ref = reference(backbone, 64);
    backbone.dispose();
    await saveCheckpoint(run, data);
    fs.writeFileSync(
      path.join(run, 'eval-lfw.json'),
      JSON.stringify({ accuracy: 0.7, threshold: 0.27 }),
    );
    const result = await exportBackbone(run, path.join(run, 'exported'));
    expect(result.metadata).toMatchObject({
      backbone: 'resnet18-narrow',
      threshold: 0.27,
      embeddingSize: 128,
    });
    expect(result.metadata.thresholdSource).toBe(path.join(run, 'eval-lfw.json'));
    const model = await loadLayersModelFromDir(path.join(run, 'exported'));
    expect(relativeError(model, ref)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('rejects a folder that is not a faceclr model', async () => {
    await expect(exportBackbone(tmp(), tmp())).rejects.toThrow(EvalInputError);
  });
});

describe('buildLayersModel', () => {
  it.each([
    ['ir18', ['PReLU', 'Flatten']],
    ['mobilefacenet', ['PReLU', 'DepthwiseConv2D', 'Flatten']],
    ['resnet50', ['GlobalAveragePooling2D']],
  ])('transcribes %s', async (name, expectedClasses) => {
    const backbone = perturbedBackbone(name, { width: 0.125, inputSize: 32 });
    const dir = tmp();
    const built = buildLayersModel(backbone, { inputSize: 32 });
    await saveLayersModel(built, dir);
    built.dispose();
    const ref = reference(backbone, 32);
    backbone.dispose();
    const model = await loadWithPlainTfjs(dir);
    const classes = model.layers.map((l) => l.getClassName());
    for (const c of expectedClasses) expect(classes).toContain(c);
    expect(relativeError(model, ref)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('checks the input size of fixed-size backbones', () => {
    const backbone = perturbedBackbone('ir18', { width: 0.125, inputSize: 32 });
    try {
      expect(() => buildLayersModel(backbone, { inputSize: 64 })).toThrow(
        /buildLayersModel: IrResNetBackbone is built for 32×32 inputs, got options.inputSize 64/,
      );
    } finally {
      backbone.dispose();
    }
  });
});

describe('faceclr export', () => {
  it('exports with --json and exits 2 for a folder that is not a model', async () => {
    const dir = tmp();
    const backbone = perturbedBackbone('resnet18-narrow', { width: 0.25 });
    await saveBackbone(backbone, 'resnet18-narrow', path.join(dir, 'params'));
    backbone.dispose();
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const args = ['node', 'faceclr', '--backend', 'wasm', 'export'];
      expect(
        await main([...args, path.join(dir, 'params'), '--out', path.join(dir, 'out'), '--json']),
      ).toBe(0);
      const printed = JSON.parse(String(write.mock.calls.at(-1)?.[0]));
      expect(printed.metadata.inputSize).toBe(64);
      expect(printed.maxRelativeError).toBeLessThan(1e-4);
      expect(await main([...args, dir, '--out', path.join(dir, 'x')])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/is not a faceclr backbone export/);
      expect(
        await main([
          ...args,
          path.join(dir, 'params'),
          '--out',
          path.join(dir, 'y'),
          '--threshold',
          '3',
        ]),
      ).toBe(2);
    } finally {
      write.mockRestore();
      stderr.mockRestore();
    }
  });
});
