import * as crypto from 'crypto';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { Backbone } from '../../src/models/backbone';
import { BACKBONE_NAMES, BACKBONES, createBackbone } from '../../src/models/registry';
import { ResNetBackbone } from '../../src/models/resnet';

/** Trainable scalars at width 1 (IR-ResNet and MobileFaceNet at their default 112×112 input). */
const PARAMETER_COUNTS = {
  'resnet18-narrow': 2_827_936,
  resnet18: 11_431_488,
  resnet34: 21_539_648,
  resnet50: 24_549_440, // torchvision's 23.5M trunk + a 2048→512 embedding
  ir18: 24_024_576, // arcface_torch r18: 24.0M
  ir34: 34_138_304, // arcface_torch r34: 34.1M
  ir50: 43_589_824, // arcface_torch r50: 43.6M (minus the FC bias)
  mobilefacenet: 1_003_136, // Chen et al. 2018: 0.99M
};

const PARAMETER_COUNTS_EIGHTH: Record<keyof typeof PARAMETER_COUNTS, number> = {
  'resnet18-narrow': 48_516,
  resnet18: 209_032,
  resnet34: 367_784,
  resnet50: 504_776,
  ir18: 1_782_720, // the flattening FC (64·7·7 → 512) dominates at this width
  ir34: 1_942_168,
  ir50: 2_091_416,
  mobilefacenet: 32_432,
};

/** Names, shapes, trainability and initial values of every variable. */
function signature(backbone: Backbone): string {
  const hash = crypto.createHash('sha1');
  for (const [name, v] of Object.entries(backbone.params.all())) {
    hash.update(`${name}${v.shape.join(',')}${v.trainable}`);
    hash.update(Buffer.from((v.dataSync() as Float32Array).buffer));
  }
  return hash.digest('hex');
}

function images(n: number, size: number): tf.Tensor4D {
  return tf.randomNormal([n, size, size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
}

describe('backbone registry', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('is a frozen map of the eight backbones', () => {
    expect(Object.isFrozen(BACKBONES)).toBe(true);
    expect(BACKBONE_NAMES).toEqual(Object.keys(PARAMETER_COUNTS));
    expect(() => createBackbone('resnet101', { seed: 0 })).toThrow(
      /createBackbone: unknown backbone 'resnet101', expected one of resnet18-narrow \| resnet18/,
    );
    expect(() => createBackbone('ir18', { seed: 0, width: 0 })).toThrow(
      /ir18: options.width must be a positive number, got 0/,
    );
    expect(() => createBackbone('resnet18', { seed: 0, stemStride: 1.5 })).toThrow(
      /resnet18: options.stemStride must be a positive integer, got 1.5/,
    );
  });

  it('keeps resnet18-narrow exactly as the reference benchmark model', () => {
    const backbone = BACKBONES['resnet18-narrow']({ seed: 0 });
    expect(backbone).toBeInstanceOf(ResNetBackbone);
    expect(backbone.params.countTrainable()).toBe(2_827_936);
    expect(Object.keys(backbone.params.all())).toHaveLength(102);
    expect(backbone.params.get('stage2/block0/shortcut/conv/kernel').shape).toEqual([1, 1, 32, 64]);
    // Hash of the variables built by the original (pre-registry) ResNetBackbone with seed 0.
    expect(signature(backbone)).toBe('e34f18252a3dde382bd86180e0549f79f6d8268d');
    backbone.dispose();
  });

  it('has exact parameter counts (width 1/8; width 1 with FACECLR_SLOW_TESTS=1)', async () => {
    // ParamStore draws initial weights in JS, which jest's sandbox slows ~20×: width 1 (200M
    // normals) takes minutes there, so by default the counts are checked at width 1/8.
    const width = process.env.FACECLR_SLOW_TESTS ? 1 : 0.125;
    const expected = width === 1 ? PARAMETER_COUNTS : PARAMETER_COUNTS_EIGHTH;
    await tf.setBackend('cpu');
    const rows: string[] = [];
    for (const name of BACKBONE_NAMES) {
      const backbone = BACKBONES[name]({ seed: 0, width });
      const count = backbone.params.countTrainable();
      rows.push(
        `${name.padEnd(16)} ${count.toLocaleString('en').padStart(11)}  (width 1: ${PARAMETER_COUNTS[name].toLocaleString('en')})`,
      );
      expect(count).toBe(expected[name]);
      backbone.dispose();
    }
    await tf.setBackend('wasm');
    console.log(
      `trainable parameters at width ${width} (112×112 for ir*/mobilefacenet):\n${rows.join('\n')}`,
    );
  });

  it.each(BACKBONE_NAMES)(
    '%s: [N,E] for 32×32 and 64×64; training ≠ inference; no leaks',
    (name) => {
      const before = tf.memory().numTensors;
      for (const size of [32, 64]) {
        const backbone = BACKBONES[name]({
          seed: 1,
          width: 0.125,
          inputSize: size,
          embeddingSize: 24,
        });
        const variables = tf.memory().numTensors;
        const mean = Object.entries(backbone.params.all()).find(([n]) =>
          n.endsWith('moving_mean'),
        )![1];
        const meanBefore = mean.dataSync().slice();
        const [training, inference] = tf.tidy(() => {
          const x = images(3, size);
          return [backbone.apply(x, { training: true }), backbone.apply(x, { training: false })];
        });
        expect(tf.memory().numTensors).toBe(variables + 2);
        expect(training.shape).toEqual([3, 24]);
        expect(inference.shape).toEqual([3, 24]);
        expect(backbone.embeddingSize).toBe(24);
        expect(training.dataSync().every(Number.isFinite)).toBe(true);
        expect(Array.from(mean.dataSync())).not.toEqual(Array.from(meanBefore)); // running stats moved
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(training, inference))).dataSync()[0]);
        expect(diff).toBeGreaterThan(1e-3);
        tf.dispose([training, inference]);
        backbone.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('IR-ResNet and MobileFaceNet check the input size they were built for', () => {
    for (const name of ['ir18', 'mobilefacenet'] as const) {
      const backbone = BACKBONES[name]({ seed: 0, width: 0.125, inputSize: 64 });
      const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
      expect(() => backbone.apply(x, { training: false })).toThrow(
        /Backbone.apply: built for 64×64 images \(options.inputSize\), got 32×32/,
      );
      x.dispose();
      backbone.dispose();
    }
  });

  it('same seed, same weights; another seed, other weights', () => {
    const a = BACKBONES.mobilefacenet({ seed: 5, width: 0.25 });
    const sa = signature(a);
    a.dispose();
    const b = BACKBONES.mobilefacenet({ seed: 5, width: 0.25 });
    expect(signature(b)).toBe(sa);
    b.dispose();
    const c = BACKBONES.mobilefacenet({ seed: 6, width: 0.25 });
    expect(signature(c)).not.toBe(sa);
    c.dispose();
  });

  it('IR-ResNet dropout acts in training only', () => {
    const backbone = BACKBONES.ir18({ seed: 0, width: 0.125, inputSize: 32, dropout: 0.5 });
    const [t1, t2, i1, i2] = tf.tidy(() => {
      const x = images(4, 32);
      const train = { training: true };
      const infer = { training: false };
      return [
        backbone.apply(x, train),
        backbone.apply(x, train),
        backbone.apply(x, infer),
        backbone.apply(x, infer),
      ];
    });
    expect(Array.from(t1.dataSync())).not.toEqual(Array.from(t2.dataSync()));
    expect(Array.from(i1.dataSync())).toEqual(Array.from(i2.dataSync()));
    tf.dispose([t1, t2, i1, i2]);
    backbone.dispose();
  });

  it('width and stem stride change the ResNet shapes; resnet50 has bottlenecks', () => {
    const r = BACKBONES.resnet50({ seed: 0, width: 0.125, stemStride: 1 });
    expect(r.params.get('stage1/block0/conv3/kernel').shape).toEqual([1, 1, 8, 32]);
    expect(r.params.get('stage4/block2/conv3/kernel').shape).toEqual([1, 1, 64, 256]);
    expect(r.params.get('embedding/kernel').shape).toEqual([256, 512]);
    expect((r.config as { stemStride: number }).stemStride).toBe(1);
    r.dispose();
  });
});
