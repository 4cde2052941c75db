/**
 * Draws a procedural face as SVG (rendered by sharp's librsvg). The face is drawn around (0, 0) in
 * a 100×100 frame and placed by the pose nuisance: translate, rotate, scale. The background and its
 * texture (random translucent stripes and discs) are drawn unposed behind it.
 */
import { Rng } from '../../util/random';
import type { FaceIdentity, FaceNuisance, Rgb } from './face_params';

const css = (c: Rgb, k = 1): string =>
  `rgb(${c.map((v) => Math.max(0, Math.min(255, Math.round(v * k)))).join(',')})`;
const n = (v: number): string => v.toFixed(2);

function backgroundSvg(nu: FaceNuisance): string {
  const rng = new Rng(nu.textureSeed);
  const parts = [`<rect width="100" height="100" fill="${css(nu.background)}"/>`];
  for (let k = 0; k < 7; k++) {
    const colour = css([rng.int(256), rng.int(256), rng.int(256)]);
    const opacity = n(nu.textureStrength * rng.uniform(0.4, 1));
    if (rng.bernoulli(0.5)) {
      const angle = n(rng.uniform(0, 180));
      parts.push(
        `<rect x="-50" y="${n(rng.uniform(0, 100))}" width="200" height="${n(rng.uniform(3, 14))}" ` +
          `fill="${colour}" fill-opacity="${opacity}" transform="rotate(${angle} 50 50)"/>`,
      );
    } else {
      parts.push(
        `<circle cx="${n(rng.uniform(0, 100))}" cy="${n(rng.uniform(0, 100))}" r="${n(rng.uniform(5, 25))}" ` +
          `fill="${colour}" fill-opacity="${opacity}"/>`,
      );
    }
  }
  return parts.join('');
}

function hairBackSvg(id: FaceIdentity): string {
  const [w, h, v] = [id.faceWidth, id.faceHeight, id.hairVolume];
  if (id.hairStyle === 'long') {
    return `<rect x="${n(-w - v)}" y="${n(-h - v * 0.6)}" width="${n(2 * (w + v))}" height="${n(h * 1.6 + v)}" rx="${n(w)}" fill="${css(id.hair)}"/>`;
  }
  if (id.hairStyle === 'curly') {
    const discs: string[] = [];
    for (let k = 0; k <= 8; k++) {
      const a = Math.PI * (1 + k / 8);
      discs.push(
        `<circle cx="${n((w + 1) * Math.cos(a))}" cy="${n(h * 0.75 * Math.sin(a) - 4)}" r="${n(5 + v * 0.8)}"/>`,
      );
    }
    return `<g fill="${css(id.hair)}">${discs.join('')}</g>`;
  }
  return '';
}

function hairFrontSvg(id: FaceIdentity): string {
  const [w, h, v] = [id.faceWidth, id.faceHeight, id.hairVolume];
  const fill = css(id.hair);
  const top = -h - v * 0.5;
  const browLevel = id.eyeHeight - id.browGap - 3;
  switch (id.hairStyle) {
    case 'short':
    case 'long':
      return `<path d="M ${n(-w - 1)} ${n(-h * 0.25)} Q 0 ${n(top * 1.25)} ${n(w + 1)} ${n(-h * 0.25)} Q 0 ${n(-h * 0.75)} ${n(-w - 1)} ${n(-h * 0.25)} Z" fill="${fill}"/>`;
    case 'fringe':
      return `<path d="M ${n(-w - 1)} ${n(browLevel)} Q 0 ${n(top * 1.3)} ${n(w + 1)} ${n(browLevel)} L ${n(w * 0.8)} ${n(browLevel)} L ${n(-w * 0.8)} ${n(browLevel)} Z" fill="${fill}"/>`;
    case 'sidepart':
      return `<path d="M ${n(-w - 1)} ${n(browLevel + 4)} Q ${n(-w)} ${n(top * 1.2)} ${n(w + 1)} ${n(-h * 0.3)} L ${n(-w * 0.2)} ${n(-h * 0.55)} Z" fill="${fill}"/>`;
    default:
      return '';
  }
}

function featuresSvg(id: FaceIdentity, nu: FaceNuisance): string {
  const parts: string[] = [];
  const open = id.eyeOpen * nu.eyeOpenFactor;
  const brow = css(id.hair, 0.7);
  for (const side of [-1, 1]) {
    const x = side * id.eyeSpacing;
    const y = id.eyeHeight;
    const by = y - id.browGap - nu.browRaise;
    parts.push(
      `<ellipse cx="${n(x)}" cy="${n(y)}" rx="${n(id.eyeWidth)}" ry="${n(open)}" fill="rgb(245,245,240)"/>`,
      `<circle cx="${n(x)}" cy="${n(y)}" r="${n(Math.min(open, id.eyeWidth * 0.55))}" fill="${css(id.iris)}"/>`,
      `<circle cx="${n(x)}" cy="${n(y)}" r="${n(Math.min(open, id.eyeWidth) * 0.35)}" fill="rgb(10,10,10)"/>`,
      `<line x1="${n(x - side * id.eyeWidth)}" y1="${n(by)}" x2="${n(x + side * id.eyeWidth * 1.2)}" y2="${n(by - id.browSlope)}" ` +
        `stroke="${brow}" stroke-width="${n(id.browThickness)}" stroke-linecap="round"/>`,
    );
  }
  const ny = id.eyeHeight + 3;
  parts.push(
    `<path d="M 0 ${n(ny)} L ${n(-id.noseWidth / 2)} ${n(ny + id.noseLength)} L ${n(id.noseWidth / 2)} ${n(ny + id.noseLength)}" ` +
      `fill="none" stroke="${css(id.skin, 0.7)}" stroke-width="1.6" stroke-linejoin="round"/>`,
    `<path d="M ${n(-id.mouthWidth / 2)} ${n(id.mouthY)} Q 0 ${n(id.mouthY + 2 * nu.smile)} ${n(id.mouthWidth / 2)} ${n(id.mouthY)}" ` +
      `fill="none" stroke="${css(id.lip)}" stroke-width="${n(id.lipThickness)}" stroke-linecap="round"/>`,
  );
  return parts.join('');
}

/** The SVG document of one face photo, `size`×`size` pixels. */
export function faceSvg(id: FaceIdentity, nu: FaceNuisance, size: number): string {
  const [w, h] = [id.faceWidth, id.faceHeight];
  const cx = w * (0.75 - 0.6 * id.chin);
  const face =
    `<path d="M ${n(-w)} 0 A ${n(w)} ${n(h)} 0 0 1 ${n(w)} 0 C ${n(w)} ${n(h * 0.55)} ${n(cx)} ${n(h)} 0 ${n(h)} ` +
    `C ${n(-cx)} ${n(h)} ${n(-w)} ${n(h * 0.55)} ${n(-w)} 0 Z" fill="${css(id.skin)}"/>`;
  const ears = [-1, 1]
    .map(
      (s) =>
        `<ellipse cx="${n(s * w)}" cy="${n(id.eyeHeight + 4)}" rx="3.5" ry="6" fill="${css(id.skin, 0.92)}"/>`,
    )
    .join('');
  const pose = `translate(${n(50 + nu.shiftX)} ${n(52 + nu.shiftY)}) rotate(${n(nu.rotation)}) scale(${n(nu.scale * 0.9)})`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    backgroundSvg(nu) +
    `<g transform="${pose}">${hairBackSvg(id)}${ears}${face}${featuresSvg(id, nu)}${hairFrontSvg(id)}</g></svg>`
  );
}
