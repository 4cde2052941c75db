/**
 * Inline SVG charts for `report.html`: a line chart (several series, linear or log axes) and a
 * histogram (several overlaid distributions on shared bins, with optional vertical markers such as
 * a threshold). Each returns one self-contained `<svg>` string, with no scripts and no fonts
 * beyond the page's CSS.
 *
 * @example
 * const svg = lineChart({
 *   title: 'loss',
 *   series: [{ name: 'loss', points: rows.map((r) => [r.step, r.loss]) }],
 *   xLabel: 'step',
 *   yLabel: 'loss',
 * });
 */
import { axes, escapeXml, frame, scale, type Frame, type Scale } from './svg_axes';

/** Default series colours (colour-blind-safe Okabe-Ito palette). */
export const PALETTE = Object.freeze([
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
]);

export interface LineSeries {
  name: string;
  /** [x, y] points; non-finite ones (and non-positive ones on a log axis) are skipped. */
  points: [number, number][];
  color?: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  /** log10 axes (default false). */
  logX?: boolean;
  logY?: boolean;
  /** Fixed domains (default: the data's extent). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** SVG size in pixels (default 480 × 300). */
  width?: number;
  height?: number;
}

export interface HistogramSeries {
  name: string;
  values: number[];
  color?: string;
}

export interface HistogramOptions {
  title: string;
  series: HistogramSeries[];
  xLabel: string;
  /** Default 'fraction'. */
  yLabel?: string;
  /** Shared bins over all series (default 30). */
  bins?: number;
  /** Vertical lines, e.g. `{ value: 0.31, label: 'threshold' }`. */
  markers?: { value: number; label: string }[];
  width?: number;
  height?: number;
}

function open(f: Frame, title: string, kind: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot ${kind}" width="${f.width}" height="${f.height}" ` +
    `viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeXml(title)}">\n` +
    `<text class="plot-title" x="${f.left}" y="16">${escapeXml(title)}</text>`
  );
}

/** Series names in their colours, right-aligned on the title line (never over the data). */
function legend(f: Frame, entries: { name: string; color: string }[]): string {
  if (entries.length < 2) return '';
  const spans = entries
    .map(
      (e, i) => `<tspan fill="${e.color}"${i > 0 ? ' dx="12"' : ''}>${escapeXml(e.name)}</tspan>`,
    )
    .join('');
  return `<text class="legend" x="${f.right}" y="16" text-anchor="end">${spans}</text>`;
}

function noData(f: Frame, title: string, kind: string): string {
  return `${open(f, title, kind)}\n<text class="no-data" x="${f.width / 2}" y="${f.height / 2}" text-anchor="middle">no data</text>\n</svg>`;
}

function extent(values: number[], fixed?: [number, number]): [number, number] {
  if (fixed) return fixed;
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return [lo, hi];
}

/** A line chart of `options.series`; "no data" when no series has a drawable point. */
export function lineChart(options: LineChartOptions): string {
  const f = frame(options.width ?? 480, options.height ?? 300);
  const ok = (v: number, log?: boolean) => Number.isFinite(v) && (!log || v > 0);
  const series = options.series.map((s, i) => ({
    ...s,
    color: s.color ?? PALETTE[i % PALETTE.length],
    points: s.points.filter(([x, y]) => ok(x, options.logX) && ok(y, options.logY)),
  }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return noData(f, options.title, 'line-chart');
  const x = scale(
    extent(
      all.map((p) => p[0]),
      options.xDomain,
    ),
    [f.left, f.right],
    options.logX,
  );
  const y = scale(
    extent(
      all.map((p) => p[1]),
      options.yDomain,
    ),
    [f.bottom, f.top],
    options.logY,
  );
  const lines = series
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const d = s.points
        .map(
          ([px, py], k) => `${k === 0 ? 'M' : 'L'}${x.map(px).toFixed(2)},${y.map(py).toFixed(2)}`,
        )
        .join(' ');
      const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
      const dot =
        s.points.length === 1
          ? `\n<circle cx="${x.map(s.points[0][0]).toFixed(2)}" cy="${y.map(s.points[0][1]).toFixed(2)}" r="3" fill="${s.color}"/>`
          : '';
      return `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}/>${dot}`;
    });
  return [
    open(f, options.title, 'line-chart'),
    axes(f, x, y, { x: options.xLabel, y: options.yLabel }),
    ...lines,
    legend(f, series),
    '</svg>',
  ].join('\n');
}

/** Counts of `values` in `bins` equal bins over [lo, hi] (the last bin closed). */
export function binCounts(values: number[], lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins || 1;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))] += 1;
  }
  return counts;
}

function markerLines(f: Frame, x: Scale, markers: HistogramOptions['markers'] = []): string[] {
  return markers
    .filter((m) => Number.isFinite(m.value))
    .map((m) => {
      const px = x.map(m.value).toFixed(1);
      return (
        `<line class="marker" x1="${px}" x2="${px}" y1="${f.top}" y2="${f.bottom}" stroke="#333" stroke-dasharray="4 3"/>\n` +
        `<text class="marker-label" x="${px}" y="${f.top - 4}" text-anchor="middle">${escapeXml(m.label)}</text>`
      );
    });
}

/**
 * Overlaid histograms of each series' values as the fraction of that series per bin (so series
 * of different sizes compare), drawn as filled step outlines on shared bins.
 */
export function histogram(options: HistogramOptions): string {
  const f = frame(options.width ?? 480, options.height ?? 300);
  const bins = options.bins ?? 30;
  const series = options.series.map((s, i) => ({
    ...s,
    color: s.color ?? PALETTE[i % PALETTE.length],
    values: s.values.filter(Number.isFinite),
  }));
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return noData(f, options.title, 'histogram');
  let [lo, hi] = extent(all);
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const fractions = series.map((s) =>
    binCounts(s.values, lo, hi, bins).map((c) => c / Math.max(1, s.values.length)),
  );
  const x = scale([lo, hi], [f.left, f.right]);
  const y = scale([0, Math.max(...fractions.flat(), 1e-9) * 1.05], [f.bottom, f.top]);
  const step = (hi - lo) / bins;
  const shapes = series.map((s, i) => {
    const base = y.map(0).toFixed(2);
    let d = `M${x.map(lo).toFixed(2)},${base}`;
    fractions[i].forEach((v, b) => {
      const [x0, x1, py] = [x.map(lo + b * step), x.map(lo + (b + 1) * step), y.map(v)];
      d += ` L${x0.toFixed(2)},${py.toFixed(2)} L${x1.toFixed(2)},${py.toFixed(2)}`;
    });
    d += ` L${x.map(hi).toFixed(2)},${base} Z`;
    return `<path class="bars" data-series="${escapeXml(s.name)}" d="${d}" fill="${s.color}" fill-opacity="0.35" stroke="${s.color}" stroke-width="1.2"/>`;
  });
  return [
    open(f, options.title, 'histogram'),
    axes(f, x, y, { x: options.xLabel, y: options.yLabel ?? 'fraction' }),
    ...shapes,
    ...markerLines(f, x, options.markers),
    legend(f, series),
    '</svg>',
  ].join('\n');
}
