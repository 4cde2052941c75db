/**
 * Named augmentation presets: frozen parameter sets whose keys are the `AugmentPresetName` type.
 * Recipes pick one by name and override fields with `resolveAugmentConfig(name, overrides)`.
 *
 * All presets produce 112-pixel views (the usual aligned-face side) unless a recipe overrides
 * `views[i].size`; blur sigmas are in output pixels, as in the papers' 224-pixel setting scaled
 * by half (SimCLR's 0.1-2.0 becomes 0.1-1.0).
 *
 * | preset  | source | what differs |
 * | ------- | ------ | ------------ |
 * | simclr  | Chen et al. 2020 | crop 0.08-1, jitter 0.8/0.8/0.8/0.2 at p 0.8, gray 0.2, blur 0.5 |
 * | moco    | MoCo v2, Chen et al. 2020 | crop 0.2-1, jitter 0.4/0.4/0.4/0.1 |
 * | byol    | Grill et al. 2020 | asymmetric: blur 1.0 / 0.1, solarize 0 / 0.2, jitter 0.4/0.4/0.2/0.1 |
 * | simsiam | Chen & He 2021 | the MoCo v2 set (crop 0.2-1) |
 * | swav    | Caron et al. 2020 | multi-crop: 2 x 112 (0.14-1) + 4 x 48 (0.05-0.14) |
 * | face    | faceclr | crop 0.6-1 with ratio 0.8-1.25, mild jitter, light blur, mean/std 0.5 |
 */
import type { AugmentConfig, ViewConfig } from './schema';

/** ImageNet channel statistics (torchvision). */
export const IMAGENET_NORMALIZE = Object.freeze({
  mean: [0.485, 0.456, 0.406] as [number, number, number],
  std: [0.229, 0.224, 0.225] as [number, number, number],
});

/** The face-recognition convention: `(x - 0.5) / 0.5`, i.e. [-1, 1]. */
export const FACE_NORMALIZE = Object.freeze({
  mean: [0.5, 0.5, 0.5] as [number, number, number],
  std: [0.5, 0.5, 0.5] as [number, number, number],
});

const DEFAULT_SIZE = 112;

/** The SimCLR view; other presets are written as changes to it. */
function simclrView(): ViewConfig {
  return {
    count: 2,
    size: DEFAULT_SIZE,
    crop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] },
    horizontalFlip: { probability: 0.5 },
    verticalFlip: { probability: 0 },
    colorJitter: {
      probability: 0.8,
      brightness: 0.8,
      contrast: 0.8,
      saturation: 0.8,
      hue: 0.2,
      randomOrder: true,
    },
    grayscale: { probability: 0.2 },
    blur: { probability: 0.5, sigma: [0.1, 1], kernelSize: null },
    solarize: { probability: 0, threshold: 0.5 },
    normalize: { mean: [...IMAGENET_NORMALIZE.mean], std: [...IMAGENET_NORMALIZE.std] },
  };
}

function mocoView(): ViewConfig {
  const view = simclrView();
  view.crop.scale = [0.2, 1];
  view.colorJitter = {
    ...view.colorJitter,
    brightness: 0.4,
    contrast: 0.4,
    saturation: 0.4,
    hue: 0.1,
  };
  return view;
}

function byolView(blur: number, solarize: number): ViewConfig {
  const view = simclrView();
  view.count = 1;
  view.colorJitter = {
    ...view.colorJitter,
    brightness: 0.4,
    contrast: 0.4,
    saturation: 0.2,
    hue: 0.1,
  };
  view.blur.probability = blur;
  view.solarize.probability = solarize;
  return view;
}

function swavViews(): ViewConfig[] {
  const global = simclrView();
  global.crop.scale = [0.14, 1];
  const local = simclrView();
  local.count = 4;
  local.size = 48; // ~0.43 of the global side, as 96 / 224 in the paper
  local.crop.scale = [0.05, 0.14];
  local.blur.sigma = [0.1, 0.5];
  return [global, local];
}

function faceView(): ViewConfig {
  return {
    count: 2,
    size: DEFAULT_SIZE,
    crop: { scale: [0.6, 1], ratio: [0.8, 1.25] },
    horizontalFlip: { probability: 0.5 },
    verticalFlip: { probability: 0 },
    colorJitter: {
      probability: 0.8,
      brightness: 0.3,
      contrast: 0.3,
      saturation: 0.2,
      hue: 0.05,
      randomOrder: true,
    },
    grayscale: { probability: 0.2 },
    blur: { probability: 0.2, sigma: [0.1, 1], kernelSize: null },
    solarize: { probability: 0, threshold: 0.5 },
    normalize: { mean: [...FACE_NORMALIZE.mean], std: [...FACE_NORMALIZE.std] },
  };
}

function freezeDeep<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) freezeDeep(child);
    Object.freeze(value);
  }
  return value;
}

/** The presets; `resolveAugmentConfig` returns deep copies, never these objects. */
export const AUGMENT_PRESETS = freezeDeep({
  simclr: { views: [simclrView()] },
  moco: { views: [mocoView()] },
  byol: { views: [byolView(1.0, 0), byolView(0.1, 0.2)] },
  simsiam: { views: [mocoView()] },
  swav: { views: swavViews() },
  face: { views: [faceView()] },
} satisfies Record<string, AugmentConfig>);

export type AugmentPresetName = keyof typeof AUGMENT_PRESETS;

/** The preset names, for CLI help and error messages. */
export const AUGMENT_PRESET_NAMES = Object.freeze(
  Object.keys(AUGMENT_PRESETS) as AugmentPresetName[],
);
