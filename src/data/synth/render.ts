/**
 * Renders a face photo: SVG → RGB with sharp, then a lighting gradient and Gaussian pixel noise.
 */
import sharp from 'sharp';
import { Rng } from '../../util/random';
import { faceSvg } from './face_svg';
import {
  type FaceIdentity,
  type FaceNuisance,
  sampleIdentity,
  sampleNuisance,
} from './face_params';

/**
 * One face photo as `size*size*3` RGB bytes.
 * @param noiseSeed seed of the pixel noise (the same seed gives the same image).
 */
export async function renderFace(
  identity: FaceIdentity,
  nuisance: FaceNuisance,
  size: number,
  noiseSeed: number,
): Promise<Uint8Array> {
  const svg = Buffer.from(faceSvg(identity, nuisance, size));
  const rgb = await sharp(svg).removeAlpha().raw().toBuffer();
  const rng = new Rng(noiseSeed);
  const [dx, dy] = [Math.cos(nuisance.lightAngle), Math.sin(nuisance.lightAngle)];
  const half = (size - 1) / 2;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // light: 1 ± strength along the light direction, across the image
      const light =
        1 + nuisance.lightStrength * (((x - half) * dx + (y - half) * dy) / Math.max(half, 1));
      const p = 3 * (y * size + x);
      for (let c = 0; c < 3; c++) {
        const v = rgb[p + c] * light + rng.normal(0, nuisance.noiseStd);
        out[p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/** The identity and nuisance of image `image` of identity `identity` for `seed` (independent draws). */
export function synthFaceParams(
  seed: number | string,
  identity: number,
  image: number,
  nuisanceStrength = 1,
): { identity: FaceIdentity; nuisance: FaceNuisance; noiseSeed: number } {
  const photo = new Rng(`${seed}:identity:${identity}:image:${image}`);
  return {
    identity: sampleIdentity(new Rng(`${seed}:identity:${identity}`)),
    nuisance: sampleNuisance(photo, nuisanceStrength),
    noiseSeed: photo.seed(),
  };
}

/**
 * Image `image` of identity `identity` for `seed`, as RGB bytes; deterministic.
 * @example
 * const rgb = await synthFace(0, 3, 1, 64); // 64*64*3 bytes
 */
export async function synthFace(
  seed: number | string,
  identity: number,
  image: number,
  size: number,
  nuisanceStrength = 1,
): Promise<Uint8Array> {
  const p = synthFaceParams(seed, identity, image, nuisanceStrength);
  return renderFace(p.identity, p.nuisance, size, p.noiseSeed);
}
