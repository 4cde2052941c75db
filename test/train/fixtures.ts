/**
 * Test fixtures for the trainer: a tiny ResNet (widths [8,8,16,16], one block per stage), a small
 * SimCLR-like stub framework with the GradCache hooks, stub registries, and a tiny recipe over
 * synthetic faces rendered into a temporary folder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import { tf } from '../../src/engine/tf';
import { Framework, StepContext, variablesByName } from '../../src/frameworks/base';
import { infoNce } from '../../src/losses/info_nce';
import type { Backbone, BackboneOptions } from '../../src/models/backbone';
import { MlpHead } from '../../src/models/heads';
import { ResNetBackbone } from '../../src/models/resnet';
import { resolveRecipe, type PretrainRecipe, type Registries } from '../../src/recipes';
import { BACKBONES } from '../../src/models/registry';
import { FRAMEWORKS } from '../../src/frameworks';

export function tinyBackbone(options: BackboneOptions): Backbone {
  return new ResNetBackbone(
    {
      blocks: [1, 1, 1, 1],
      widths: [8, 8, 16, 16],
      stemKernel: 3,
      stemStride: 2,
      embeddingSize: options.embeddingSize ?? 16,
    },
    options.seed,
  );
}

/** SimCLR over a tiny projector, with `represent`/`lossFromRepresentations` (GradCache hooks). */
export class TinySimClr extends Framework {
  readonly name = 'tiny';
  readonly projector: MlpHead;
  constructor(
    readonly backbone: Backbone,
    seed: number | string,
    readonly temperature: number,
    batchNorm = true,
  ) {
    super();
    this.projector = new MlpHead(
      { inFeatures: backbone.embeddingSize, hiddenFeatures: 16, outFeatures: 8, batchNorm },
      seed,
      'projector',
    );
  }
  trainableVariables(): Record<string, tf.Variable> {
    return { ...this.backbone.params.trainable(), ...this.projector.params.trainable() };
  }
  allVariables(): Record<string, tf.Variable> {
    return variablesByName([
      ...this.backbone.params.variables.values(),
      ...this.projector.params.variables.values(),
    ]);
  }
  override represent(views: tf.Tensor4D[]): tf.Tensor2D[] {
    return tf.tidy(() => {
      const b = views[0].shape[0];
      const ctx = { training: true };
      const z = this.projector.apply(this.backbone.apply(tf.concat(views, 0), ctx), ctx);
      return tf.split(z, [b, b], 0) as tf.Tensor2D[];
    });
  }
  override lossFromRepresentations(z: tf.Tensor2D[], _ctx: StepContext): tf.Scalar {
    return infoNce(z[0], z[1], { temperature: this.temperature });
  }
  loss(views: tf.Tensor4D[], ctx: StepContext): tf.Scalar {
    return tf.tidy(() => this.lossFromRepresentations(this.represent(views), ctx));
  }
  dispose(): void {
    this.projector.dispose();
    this.backbone.dispose();
  }
}

export const STUB_REGISTRIES: Registries = {
  frameworks: {
    ...FRAMEWORKS,
    tiny: {
      optionsSchema: z.strictObject({ temperature: z.number().gt(0).default(0.5) }),
      create: (
        options: { temperature: number },
        { backbone, seed }: { backbone: Backbone; seed: number | string },
      ) => new TinySimClr(backbone, seed, options.temperature),
    },
  } as unknown as Registries['frameworks'],
  backbones: { ...BACKBONES, tiny: tinyBackbone },
};

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `faceclr-${prefix}-`));
}

/** A tiny recipe: 16×16 synthetic faces (8 identities × 4), batch 8, two 16-pixel SimCLR views. */
export function tinyRecipe(root: string, overrides: Record<string, unknown> = {}): PretrainRecipe {
  const base = {
    seed: 3,
    data: {
      path: 'synth',
      size: 16,
      cacheDir: path.join(root, 'cache'),
      synth: { identities: 8, imagesPerIdentity: 4 },
    },
    augment: { preset: 'simclr', overrides: { views: [{ size: 16, blur: { probability: 0 } }] } },
    backbone: { name: 'tiny' },
    framework: { name: 'tiny' },
    optimizer: { name: 'adam', lr: 0.01 },
    schedule: { name: 'cosine', warmupSteps: 2 },
    train: { batch: 8, steps: 6, checkpointEvery: 2, logEvery: 2 },
    output: { dir: path.join(root, 'run') },
  };
  const merged = mergeDeep(base, overrides);
  return resolveRecipe(merged, 'tiny recipe', { registries: STUB_REGISTRIES });
}

function mergeDeep(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object'
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
