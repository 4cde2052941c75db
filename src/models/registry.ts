/**
 * The backbone registry: a frozen literal map from name to factory, whose keys are the
 * `BackboneName` type (recipes name a backbone; `createBackbone` validates the name).
 *
 * | name | blocks | widths (width 1) | embedding | input |
 * | --- | --- | --- | --- | --- |
 * | `resnet18-narrow` | basic 2-2-2-2 | 32-256 | 128 | any (the reference benchmark model) |
 * | `resnet18` / `resnet34` | basic 2-2-2-2 / 3-4-6-3 | 64-512 | 512 | any |
 * | `resnet50` | bottleneck 3-4-6-3 | 64-512 (×4 out) | 512 | any |
 * | `ir18` / `ir34` / `ir50` | IR units 2-2-2-2 / 3-4-6-3 / 3-4-14-3 | 64-512 | 512 | `inputSize` |
 * | `mobilefacenet` | MobileNetV2 bottlenecks + GDConv | 64-512 | 128 | `inputSize` |
 *
 * @example
 * const backbone = createBackbone('ir18', { seed: 0, width: 0.25, inputSize: 64 });
 * const embeddings = backbone.apply(images, { training: true }); // [N,512]
 */
import { Backbone, BackboneOptions } from './backbone';
import { irResNetFactory } from './ir_resnet';
import { mobileFaceNetFactory } from './mobile_face_net';
import { resnetFactory } from './resnet';

export type BackboneFactory = (options: BackboneOptions) => Backbone;

export const BACKBONES = Object.freeze({
  'resnet18-narrow': resnetFactory('resnet18-narrow'),
  resnet18: resnetFactory('resnet18'),
  resnet34: resnetFactory('resnet34'),
  resnet50: resnetFactory('resnet50'),
  ir18: irResNetFactory('ir18'),
  ir34: irResNetFactory('ir34'),
  ir50: irResNetFactory('ir50'),
  mobilefacenet: mobileFaceNetFactory,
} satisfies Record<string, BackboneFactory>);

export type BackboneName = keyof typeof BACKBONES;

export const BACKBONE_NAMES = Object.freeze(Object.keys(BACKBONES) as BackboneName[]);

/** Whether `name` is a registered backbone. */
export function isBackboneName(name: string): name is BackboneName {
  return Object.prototype.hasOwnProperty.call(BACKBONES, name);
}

/**
 * Builds the named backbone.
 * @throws if `name` is not registered (listing the names), or for invalid options.
 */
export function createBackbone(name: string, options: BackboneOptions): Backbone {
  if (!isBackboneName(name)) {
    throw new Error(
      `createBackbone: unknown backbone '${name}', expected one of ${BACKBONE_NAMES.join(' | ')}`,
    );
  }
  return BACKBONES[name](options);
}
