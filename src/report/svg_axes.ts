/**
 * Scales, ticks and axes for the report's inline SVG plots (`svg_plot.ts`). No chart library:
 * a scale maps a data interval onto a pixel interval, linearly or by log10; ticks are "nice"
 * numbers (1, 2, 5 × 10^k) for linear axes and powers of ten for log axes.
 */

/** A data → pixel mapping with its ticks. */
export interface Scale {
  readonly domain: [number, number];
  readonly range: [number, number];
  readonly log: boolean;
  map(value: number): number;
  ticks(count?: number): number[];
}

/** `&`, `<`, `>`, `"`, `'` escaped for HTML/SVG text and attributes. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Nice tick values (1, 2, 5 × 10^k steps) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power; // in [1, 10): round to the nearest 1, 2, 5 or 10 on a log scale
  const step =
    power *
    (ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.sqrt(2) ? 2 : 1);
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten within [min, max] (min > 0). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.ceil(Math.log10(min) - 1e-9); k <= Math.floor(Math.log10(max) + 1e-9); k++) {
    ticks.push(10 ** k);
  }
  return ticks;
}

/**
 * A linear or log10 scale from `domain` onto `range` (pixels; the range may run backwards, as a
 * y axis does). A zero-width domain is widened so that nothing divides by zero.
 * @throws if a log scale's domain is not positive.
 */
export function scale(domain: [number, number], range: [number, number], log = false): Scale {
  let [lo, hi] = domain;
  if (log && !(lo > 0 && hi > 0)) {
    throw new Error(`scale: a log scale needs a positive domain, got [${lo}, ${hi}]`);
  }
  if (lo === hi) [lo, hi] = log ? [lo / 10, hi * 10] : [lo - 1, hi + 1];
  const t = log ? Math.log10 : (v: number) => v;
  const [a, b] = [t(lo), t(hi)];
  const [r0, r1] = range;
  return {
    domain: [lo, hi],
    range,
    log,
    map: (v) => r0 + ((t(v) - a) / (b - a)) * (r1 - r0),
    ticks: (count = 5) => (log ? logTicks(lo, hi) : niceTicks(lo, hi, count)),
  };
}

/** A short tick label: `1e-3`, `0.25`, `12k`, `1.5`. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e4 || abs < 1e-3) {
    const k = Math.floor(Math.log10(abs));
    const m = Number((value / 10 ** k).toPrecision(3));
    return m === 1 ? `1e${k}` : `${m}e${k}`;
  }
  return String(Number(value.toPrecision(4)));
}

/** Plot area inside the SVG: margins left for tick labels and axis titles. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function frame(width: number, height: number): Frame {
  return { width, height, left: 58, right: width - 14, top: 26, bottom: height - 42 };
}

/**
 * SVG markup of both axes: the frame, grid lines and labels at each tick, and the axis titles.
 * Every element carries a class (`axis`, `grid`, `tick`, `axis-title`) for the page's CSS.
 */
export function axes(f: Frame, x: Scale, y: Scale, labels: { x: string; y: string }): string {
  const parts: string[] = [
    `<rect class="axis" x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#888"/>`,
  ];
  for (const v of x.ticks(6)) {
    const px = x.map(v).toFixed(1);
    parts.push(
      `<line class="grid" x1="${px}" x2="${px}" y1="${f.top}" y2="${f.bottom}" stroke="#eee"/>`,
      `<text class="tick" x="${px}" y="${f.bottom + 14}" text-anchor="middle">${formatTick(v)}</text>`,
    );
  }
  for (const v of y.ticks(5)) {
    const py = y.map(v).toFixed(1);
    parts.push(
      `<line class="grid" x1="${f.left}" x2="${f.right}" y1="${py}" y2="${py}" stroke="#eee"/>`,
      `<text class="tick" x="${f.left - 5}" y="${py}" text-anchor="end" dominant-baseline="middle">${formatTick(v)}</text>`,
    );
  }
  const midX = ((f.left + f.right) / 2).toFixed(1);
  const midY = ((f.top + f.bottom) / 2).toFixed(1);
  parts.push(
    `<text class="axis-title" x="${midX}" y="${f.height - 8}" text-anchor="middle">${escapeXml(labels.x)}</text>`,
    `<text class="axis-title" x="14" y="${midY}" text-anchor="middle" transform="rotate(-90 14 ${midY})">${escapeXml(labels.y)}</text>`,
  );
  return parts.join('\n');
}
