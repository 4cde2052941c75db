/**
 * Parameters of a procedural face: what stays fixed for an identity (`FaceIdentity`) and what
 * changes from one photo to the next (`FaceNuisance`). All lengths are in a 100×100 face frame.
 *
 * Identity: face shape, skin tone, eye shape/colour/spacing, brows, nose, mouth, hair style and
 * colour. Nuisance: pose (shift, scale, rotation), expression (mouth curve, brow raise, eye
 * openness), a lighting gradient, background colour and texture, pixel noise. The nuisance is
 * strong enough that raw-pixel nearest neighbours do not solve identity, while the identity cues
 * stay visible to a learned, pose-invariant model.
 */
import type { Rng } from '../../util/random';

export type Rgb = [number, number, number];

export const HAIR_STYLES = Object.freeze([
  'bald',
  'short',
  'long',
  'fringe',
  'curly',
  'sidepart',
] as const);
export type HairStyle = (typeof HAIR_STYLES)[number];

const SKIN_TONES: readonly Rgb[] = [
  [255, 224, 196],
  [241, 194, 160],
  [224, 172, 130],
  [198, 134, 90],
  [161, 102, 62],
  [120, 75, 45],
  [90, 56, 37],
];
const HAIR_COLOURS: readonly Rgb[] = [
  [20, 17, 15],
  [60, 40, 25],
  [110, 75, 40],
  [180, 140, 80],
  [230, 200, 130],
  [160, 60, 30],
  [150, 150, 150],
  [235, 235, 230],
];
const IRIS_COLOURS: readonly Rgb[] = [
  [70, 45, 25],
  [40, 90, 160],
  [60, 120, 70],
  [120, 120, 130],
  [140, 100, 40],
];

export interface FaceIdentity {
  faceWidth: number; // half-width of the face ellipse
  faceHeight: number; // half-height
  chin: number; // 0 round .. 1 pointed
  skin: Rgb;
  eyeSpacing: number; // half the distance between eye centres
  eyeHeight: number; // y of the eyes below the face centre (negative: above)
  eyeWidth: number;
  eyeOpen: number; // eye half-height
  iris: Rgb;
  browThickness: number;
  browSlope: number; // rise of the outer end
  browGap: number; // distance above the eye
  noseLength: number;
  noseWidth: number;
  mouthWidth: number;
  mouthY: number;
  lipThickness: number;
  lip: Rgb;
  hairStyle: HairStyle;
  hair: Rgb;
  hairVolume: number;
}

export interface FaceNuisance {
  shiftX: number;
  shiftY: number;
  scale: number;
  rotation: number; // degrees
  smile: number; // mouth curve, negative frowns
  browRaise: number;
  eyeOpenFactor: number;
  lightAngle: number; // radians
  lightStrength: number; // 0 flat .. ~0.6 strong gradient
  background: Rgb;
  textureSeed: number;
  textureStrength: number;
  noiseStd: number; // in 0..255 units
}

const jitter = (rng: Rng, c: Rgb, amount: number): Rgb =>
  c.map((v) => Math.max(0, Math.min(255, Math.round(v + rng.uniform(-amount, amount))))) as Rgb;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];

/** Draws the fixed traits of one identity. */
export function sampleIdentity(rng: Rng): FaceIdentity {
  const hair = jitter(rng, pick(rng, HAIR_COLOURS), 20);
  return {
    faceWidth: rng.uniform(25, 34),
    faceHeight: rng.uniform(33, 42),
    chin: rng.uniform(0, 1),
    skin: jitter(rng, pick(rng, SKIN_TONES), 15),
    eyeSpacing: rng.uniform(9, 15),
    eyeHeight: rng.uniform(-10, -3),
    eyeWidth: rng.uniform(4, 7.5),
    eyeOpen: rng.uniform(1.8, 3.6),
    iris: jitter(rng, pick(rng, IRIS_COLOURS), 15),
    browThickness: rng.uniform(1.2, 3.5),
    browSlope: rng.uniform(-3, 3),
    browGap: rng.uniform(3.5, 7),
    noseLength: rng.uniform(7, 15),
    noseWidth: rng.uniform(3, 8),
    mouthWidth: rng.uniform(9, 20),
    mouthY: rng.uniform(14, 22),
    lipThickness: rng.uniform(1.2, 3.5),
    lip: jitter(rng, [170, 80, 80], 35),
    hairStyle: pick(rng, HAIR_STYLES),
    hair,
    hairVolume: rng.uniform(3, 10),
  };
}

/**
 * Draws the per-photo nuisance. `strength` scales pose, lighting, texture and noise (default 1).
 */
export function sampleNuisance(rng: Rng, strength = 1): FaceNuisance {
  const s = strength;
  return {
    shiftX: rng.uniform(-9, 9) * s,
    shiftY: rng.uniform(-7, 7) * s,
    scale: 1 + rng.uniform(-0.15, 0.15) * s,
    rotation: rng.uniform(-18, 18) * s,
    smile: rng.uniform(-3, 7),
    browRaise: rng.uniform(0, 4),
    eyeOpenFactor: rng.uniform(0.5, 1.25),
    lightAngle: rng.uniform(0, 2 * Math.PI),
    lightStrength: rng.uniform(0, 0.6) * s,
    background: [rng.int(256), rng.int(256), rng.int(256)],
    textureSeed: rng.seed(),
    textureStrength: rng.uniform(0.1, 0.5) * s,
    noiseStd: rng.uniform(3, 14) * s,
  };
}
