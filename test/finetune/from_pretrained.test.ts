import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { finetune, loadPretrainedWeights, locatePretrained } from '../../src/finetune';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint';
import { PretrainSetupError } from '../../src/train/errors';
import { pretrain } from '../../src/train/trainer';
import { STUB_REGISTRIES, tempDir, tinyBackbone, tinyRecipe } from '../train/fixtures';
import { registries, tinyFinetuneRecipe } from './fixtures';

let root: string;
let pretrainDir: string;

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
  root = tempDir('finetune-from');
  const recipe = tinyRecipe(root, {
    output: { dir: path.join(root, 'pretrain') },
    train: { steps: 2 },
  });
  pretrainDir = (await pretrain(recipe, { registries: STUB_REGISTRIES })).outputDir;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

test('--from a run, a checkpoint or the backbone export loads the pretrained weights exactly', async () => {
  const checkpoint = await loadCheckpoint(latestCheckpoint(pretrainDir)!);
  const targets = [pretrainDir, latestCheckpoint(pretrainDir)!, path.join(pretrainDir, 'backbone')];
  for (const target of targets) {
    const source = locatePretrained(target);
    expect(source.backbone).toMatchObject({ name: 'tiny' });
    const backbone = tinyBackbone({ seed: 99 });
    try {
      await loadPretrainedWeights(backbone, source);
      for (const [name, v] of backbone.params.variables) {
        const values = (await v.data()) as Float32Array;
        if (!bytes(values).equals(bytes(checkpoint.variables[name].values))) {
          throw new Error(`'${name}' differs after loading ${target}`);
        }
      }
    } finally {
      backbone.dispose();
    }
  }
});

test('a fine-tuning run --from the pretraining run starts from its backbone', async () => {
  const checkpoint = await loadCheckpoint(latestCheckpoint(pretrainDir)!);
  const recipe = tinyFinetuneRecipe(root, {
    from: pretrainDir,
    backbone: { name: 'resnet18-narrow' }, // ignored: the run's backbone is used
    output: { dir: path.join(root, 'ft') },
    train: { warmupHeadSteps: 2, steps: 4 },
  });
  const result = await finetune(recipe, { registries, maxSteps: 2 });
  const used = latestCheckpoint(pretrainDir)!; // the exact weights, recorded for provenance
  expect(result.from).toBe(used);
  const saved = JSON.parse(fs.readFileSync(path.join(result.outputDir, 'recipe.json'), 'utf8'));
  expect(saved).toMatchObject({ from: used, backbone: { name: 'tiny' } });
  const state = await loadCheckpoint(latestCheckpoint(result.outputDir)!);
  const backboneNames = Object.keys(checkpoint.variables).filter(
    (n) => !n.startsWith('projector/'),
  );
  for (const name of backboneNames) {
    expect(
      bytes(state.variables[name].values).equals(bytes(checkpoint.variables[name].values)),
    ).toBe(true);
  }
  // resuming without --from continues from the run's own checkpoint
  const again = tinyFinetuneRecipe(root, {
    output: { dir: path.join(root, 'ft') },
    train: { warmupHeadSteps: 2, steps: 4 },
  });
  expect(await finetune(again, { registries, resume: true })).toMatchObject({
    step: 4,
    from: used,
  });
});

test('a --from that is not a run, checkpoint or export is refused', async () => {
  expect(() => locatePretrained(path.join(root, 'nothing'))).toThrow(/--from: .* does not exist/);
  fs.mkdirSync(path.join(root, 'empty'));
  expect(() => locatePretrained(path.join(root, 'empty'))).toThrow(PretrainSetupError);
});
