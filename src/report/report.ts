/**
 * `report.html` for a run folder: training curves from `metrics.jsonl` rows (loss, learning rate,
 * the collapse monitor and kNN accuracy against step) and, per evaluation, the ROC curve (log-FAR
 * and linear axes), histograms of genuine/impostor pair scores with the threshold, and the
 * accuracy table. One self-contained file: inline CSS and SVG, no scripts, no network.
 *
 * @example
 * await writeReport('runs/simclr-cpu', {
 *   title: 'simclr-cpu',
 *   metrics: readMetrics('runs/simclr-cpu/metrics.jsonl'),
 *   evaluation: { name: 'LFW', roc: result.roc.points, sameScores, differentScores },
 *   summary: { backbone: 'resnet18-narrow', 'LFW accuracy': 0.71 },
 * });
 */
import * as fs from 'fs';
import * as path from 'path';
import { htmlTable, keyValueTable, page, section, type Cell } from './html';
import { escapeXml } from './svg_axes';
import { histogram, lineChart, type LineSeries } from './svg_plot';

/** One `metrics.jsonl` line (src/train/monitor.ts `MetricsRecord`); extra fields are ignored. */
export interface MetricsRow {
  step: number;
  loss?: number;
  lr?: number;
  imagesPerSecond?: number;
  embeddingStd?: number;
  elapsed?: number;
  /** kNN top-1 accuracy, under either name (the trainer writes `knnAccuracy`). */
  knnTop1?: number;
  knnAccuracy?: number;
}

/** A ROC point as `src/eval/roc.ts` gives it. */
export interface ReportRocPoint {
  far: number;
  tar: number;
  threshold?: number;
}

/** One evaluation's section. Every field is optional; missing ones leave their plot out. */
export interface EvaluationReport {
  /** Heading, e.g. 'LFW' or the eval file's name (default 'evaluation'). */
  name?: string;
  roc?: ReportRocPoint[];
  /** Scores of genuine (same-identity) and impostor (different-identity) pairs. */
  sameScores?: number[];
  differentScores?: number[];
  /** Decision threshold, marked on the histogram. */
  threshold?: number;
  /** Accuracy table rows (e.g. one per fold, then the mean). */
  table?: Record<string, Cell>[];
  /** Headline numbers (accuracy, AUC, EER, ...), shown above the plots. */
  summary?: Record<string, Cell>;
}

export interface ReportData {
  title: string;
  metrics?: MetricsRow[];
  evaluation?: EvaluationReport | EvaluationReport[];
  summary?: Record<string, string | number>;
}

export interface ReportOptions {
  /** ROC x axis: 'log' FAR, 'linear', or 'both' charts (default 'both'). */
  rocAxis?: 'log' | 'linear' | 'both';
  /** Histogram bins (default 40). */
  bins?: number;
}

const series = (rows: MetricsRow[], pick: (r: MetricsRow) => number | undefined) =>
  rows
    .map((r): [number, number] => [r.step, pick(r) ?? NaN])
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));

/** The training-curve charts; '' without rows. */
export function trainingSection(rows: MetricsRow[]): string {
  const sorted = [...rows].sort((a, b) => a.step - b.step);
  const chart = (title: string, yLabel: string, lines: LineSeries[], logY = false) =>
    lines.some((s) => s.points.length > 0)
      ? lineChart({ title, series: lines, xLabel: 'step', yLabel, logY })
      : '';
  const loss = series(sorted, (r) => r.loss);
  const knn = series(sorted, (r) => r.knnTop1 ?? r.knnAccuracy);
  const charts = [
    chart(
      'loss',
      'loss',
      [{ name: 'loss', points: loss }],
      loss.length > 0 && loss.every(([, y]) => y > 0) && maxRatio(loss) > 50,
    ),
    chart('learning rate', 'lr', [{ name: 'lr', points: series(sorted, (r) => r.lr) }]),
    chart('collapse monitor', 'embedding std', [
      { name: 'embedding std', points: series(sorted, (r) => r.embeddingStd) },
    ]),
    chart('kNN top-1', 'accuracy', [{ name: 'kNN top-1', points: knn }]),
    chart('throughput', 'images / s', [
      { name: 'images/s', points: series(sorted, (r) => r.imagesPerSecond) },
    ]),
  ].filter(Boolean);
  return charts.length ? `<div class="plots">\n${charts.join('\n')}\n</div>` : '';
}

function maxRatio(points: [number, number][]): number {
  const ys = points.map(([, y]) => y);
  return Math.max(...ys) / Math.min(...ys);
}

function rocCharts(points: ReportRocPoint[], axis: ReportOptions['rocAxis']): string[] {
  const all = points
    .filter((p) => Number.isFinite(p.far) && Number.isFinite(p.tar))
    .map((p): [number, number] => [p.far, p.tar]);
  const out: string[] = [];
  const positive = all.filter(([far]) => far > 0);
  if ((axis === 'log' || axis === 'both') && positive.length > 0) {
    const minFar = Math.min(...positive.map(([far]) => far));
    out.push(
      lineChart({
        title: 'ROC (log FAR)',
        series: [{ name: 'ROC', points: positive }],
        xLabel: 'false accept rate (log)',
        yLabel: 'true accept rate',
        logX: true,
        xDomain: [minFar, 1],
        yDomain: [0, 1],
      }),
    );
  }
  if (axis === 'linear' || axis === 'both') {
    out.push(
      lineChart({
        title: 'ROC',
        series: [
          { name: 'ROC', points: all },
          {
            name: 'chance',
            points: [
              [0, 0],
              [1, 1],
            ],
            color: '#999',
            dashed: true,
          },
        ],
        xLabel: 'false accept rate',
        yLabel: 'true accept rate',
        xDomain: [0, 1],
        yDomain: [0, 1],
      }),
    );
  }
  return out;
}

/** One evaluation's section body (summary, plots, table). */
export function evaluationSection(
  evaluation: EvaluationReport,
  options: ReportOptions = {},
): string {
  const plots: string[] = [];
  if (evaluation.roc && evaluation.roc.length > 0)
    plots.push(...rocCharts(evaluation.roc, options.rocAxis ?? 'both'));
  const same = evaluation.sameScores ?? [];
  const different = evaluation.differentScores ?? [];
  if (same.length + different.length > 0) {
    plots.push(
      histogram({
        title: 'pair scores',
        series: [
          { name: `same (${same.length})`, values: same, color: '#009e73' },
          { name: `different (${different.length})`, values: different, color: '#d55e00' },
        ],
        xLabel: 'cosine similarity',
        yLabel: 'fraction of pairs',
        bins: options.bins ?? 40,
        markers:
          evaluation.threshold !== undefined
            ? [{ value: evaluation.threshold, label: 'threshold' }]
            : [],
      }),
    );
  }
  return [
    evaluation.summary ? keyValueTable(evaluation.summary) : '',
    plots.length ? `<div class="plots">\n${plots.join('\n')}\n</div>` : '',
    evaluation.table && evaluation.table.length
      ? `<h3>accuracy</h3>\n${htmlTable(evaluation.table)}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The report page as a string (what `writeReport` writes). */
export function renderReport(data: ReportData, options: ReportOptions = {}): string {
  if (typeof data?.title !== 'string') throw new Error('renderReport: data.title must be a string');
  const evaluations = data.evaluation === undefined ? [] : [data.evaluation].flat();
  const body = [
    data.summary ? section('summary', keyValueTable(data.summary), 'summary') : '',
    section('training', trainingSection(data.metrics ?? []), 'training'),
    ...evaluations.map((e, i) =>
      section(e.name ?? 'evaluation', evaluationSection(e, options), `evaluation-${i + 1}`),
    ),
  ].filter(Boolean);
  if (body.length === 0)
    body.push(`<p>${escapeXml('Nothing to show: no metrics and no evaluations.')}</p>`);
  return page(data.title, body.join('\n'));
}

/**
 * Writes `runDir/report.html` (creating `runDir` if needed).
 * @returns the file's path.
 * @throws if `data.title` is not a string, or the file-system error.
 */
export async function writeReport(
  runDir: string,
  data: ReportData,
  options: ReportOptions = {},
): Promise<string> {
  const html = renderReport(data, options);
  await fs.promises.mkdir(runDir, { recursive: true });
  const file = path.join(runDir, 'report.html');
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.promises.writeFile(tmp, html);
  await fs.promises.rename(tmp, file);
  return file;
}
