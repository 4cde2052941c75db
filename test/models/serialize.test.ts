import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { BACKBONES } from '../../src/models/registry';
import { loadParams, saveParams } from '../../src/models/serialize';

let root: string;
const options = { width: 0.125, inputSize: 32 } as const;

function embed(backbone: {
  apply: (x: tf.Tensor4D, c: { training: boolean }) => tf.Tensor2D;
}): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    return backbone.apply(x, { training: false }).dataSync() as Float32Array;
  });
}

describe('saveParams / loadParams', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-params-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('round-trips every variable (running statistics included) in the tfjs weights format', async () => {
    const dir = path.join(root, 'ir18');
    const a = BACKBONES.ir18({ seed: 1, ...options });
    tf.tidy(() => a.apply(tf.randomNormal([4, 32, 32, 3]) as tf.Tensor4D, { training: true })); // move BN stats
    const expected = embed(a);
    await saveParams(a.params, dir, { backbone: 'ir18', config: a.config });
    const variables = Object.entries(a.params.all()).map(([n, v]) => ({
      name: n,
      shape: v.shape,
      dtype: 'float32',
    }));
    a.dispose();

    const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(model.format).toBe('faceclr-params');
    expect(model.meta.backbone).toBe('ir18');
    expect(model.meta.config.inputSize).toBe(32);
    expect(model.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: variables }]);
    const bytes = variables.reduce((n, v) => n + 4 * v.shape.reduce((p, d) => p * d, 1), 0);
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(bytes);

    const before = tf.memory().numTensors;
    const b = BACKBONES.ir18({ seed: 2, ...options });
    expect(embed(b)).not.toEqual(expected);
    const meta = await loadParams(b.params, dir, { backbone: 'ir18' });
    expect(meta.backbone).toBe('ir18');
    expect(embed(b)).toEqual(expected);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('overwrites an existing checkpoint and leaves no temporary files', async () => {
    const dir = path.join(root, 'twice');
    const a = BACKBONES['resnet18-narrow']({ seed: 1, width: 0.125 });
    await saveParams(a.params, dir, { backbone: 'resnet18-narrow' });
    fs.writeFileSync(path.join(dir, 'optimizer.json'), '{}');
    tf.tidy(() =>
      a.params.get('embedding/bias').assign(tf.onesLike(a.params.get('embedding/bias'))),
    );
    await saveParams(a.params, dir, { backbone: 'resnet18-narrow', step: 2 });
    a.dispose();
    expect(fs.readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'optimizer.json', 'weights.bin']);
    const b = BACKBONES['resnet18-narrow']({ seed: 1, width: 0.125 });
    expect((await loadParams(b.params, dir)).step).toBe(2);
    expect(Array.from(b.params.get('embedding/bias').dataSync()).every((v) => v === 1)).toBe(true);
    b.dispose();
  });

  it('rejects mismatched checkpoints, naming the variable, both shapes and both backbones', async () => {
    const dir = path.join(root, 'narrow');
    const a = BACKBONES['resnet18-narrow']({ seed: 1, width: 0.125 });
    await saveParams(a.params, dir, { backbone: 'resnet18-narrow' });
    a.dispose();
    const b = BACKBONES.resnet18({ seed: 1, width: 0.0625 }); // same widths, 512-d embedding
    const bias = b.params.get('embedding/bias').dataSync().slice();
    await expect(loadParams(b.params, dir, { backbone: 'resnet18' })).rejects.toThrow(
      /'embedding\/kernel' has shape \[32,512\] in the model, \[32,128\] in the checkpoint.*checkpoint is for backbone resnet18-narrow, recipe asks for resnet18/,
    );
    expect(b.params.get('embedding/bias').dataSync()).toEqual(bias); // nothing assigned
    b.dispose();
    const c = BACKBONES.mobilefacenet({ seed: 1, width: 0.0625, inputSize: 32 }); // stem 4 wide, as the checkpoint's
    await expect(loadParams(c.params, dir)).rejects.toThrow(
      /'stem\/prelu\/alpha' \[4\] is missing from the checkpoint.*\(and \d+ more\)/,
    );
    c.dispose();
  });

  it('rejects missing, foreign and truncated files', async () => {
    const d = BACKBONES['resnet18-narrow']({ seed: 1, width: 0.125 });
    await expect(loadParams(d.params, path.join(root, 'nope'))).rejects.toThrow(
      /loadParams: cannot read .*nope\/model.json/,
    );
    const dir = path.join(root, 'bad');
    await saveParams(d.params, dir, {});
    const weights = path.join(dir, 'weights.bin');
    fs.truncateSync(weights, 100);
    await expect(loadParams(d.params, dir)).rejects.toThrow(
      /weights.bin has 100 bytes, the manifest describes \d+/,
    );
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model' }));
    await expect(loadParams(d.params, dir)).rejects.toThrow(
      /is not a 'faceclr-params' file \(format 'layers-model'\)/,
    );
    d.dispose();
  });
});
