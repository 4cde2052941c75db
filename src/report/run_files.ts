/**
 * Reading a run folder back into `ReportData` (what `faceclr report <runDir>` renders):
 *
 * - `metrics.jsonl`: one JSON object per line (src/train/monitor.ts); blank and unparsable lines
 *   are skipped (a run killed mid-write leaves half a line).
 * - `eval*.json` (and `eval/*.json`): evaluation results, read loosely so that LFW results
 *   (`src/eval/lfw.ts`: accuracy, std, folds, threshold, auc, eer, tarAtFar, roc points) and other
 *   protocols all render. See {@link evaluationFromJson} for the fields looked at.
 * - `recipe.json`: the backbone and framework names for the summary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { roc } from '../eval/roc';
import type { Cell } from './html';
import type { EvaluationReport, MetricsRow, ReportData, ReportRocPoint } from './report';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumbers = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number');
const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The rows of a `metrics.jsonl` file ([] when it does not exist); rows without a step are dropped. */
export function readMetrics(file: string): MetricsRow[] {
  if (!fs.existsSync(file)) return [];
  const rows: MetricsRow[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as MetricsRow;
      if (isObject(row) && typeof row.step === 'number') rows.push(row);
    } catch {
      // a torn last line
    }
  }
  return rows;
}

function rocPoints(json: Json): ReportRocPoint[] | undefined {
  const candidates = [isObject(json.roc) ? json.roc.points : json.roc, json.rocPoints, json.points];
  const found = candidates.find(Array.isArray) as unknown[] | undefined;
  return found?.filter(
    (p): p is ReportRocPoint =>
      isObject(p) && typeof p.far === 'number' && typeof p.tar === 'number',
  );
}

/** Genuine and impostor scores from `sameScores`/`differentScores`, `scores.{same,different}`,
 * `scores` + `same` labels, or `pairs: [{ score, same }]`. */
function pairScores(json: Json): { same: number[]; different: number[] } | undefined {
  if (isNumbers(json.sameScores) || isNumbers(json.differentScores)) {
    return {
      same: isNumbers(json.sameScores) ? json.sameScores : [],
      different: isNumbers(json.differentScores) ? json.differentScores : [],
    };
  }
  const scores = json.scores;
  if (isObject(scores) && (isNumbers(scores.same) || isNumbers(scores.different))) {
    return {
      same: isNumbers(scores.same) ? scores.same : [],
      different: isNumbers(scores.different) ? scores.different : [],
    };
  }
  let labelled: { score: number; same: boolean }[] = [];
  const labels = json.same ?? json.labels;
  if (isNumbers(scores) && Array.isArray(labels) && labels.length === scores.length) {
    labelled = scores.map((score, i) => ({ score, same: Boolean(labels[i]) }));
  } else if (Array.isArray(json.pairs)) {
    labelled = json.pairs
      .filter((p): p is Json => isObject(p) && typeof p.score === 'number')
      .map((p) => ({ score: p.score as number, same: Boolean(p.same) }));
  }
  if (labelled.length === 0) return undefined;
  return {
    same: labelled.filter((p) => p.same).map((p) => p.score),
    different: labelled.filter((p) => !p.same).map((p) => p.score),
  };
}

function summaryOf(json: Json): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [key, value] of Object.entries(json)) if (isScalar(value)) out[key] = value;
  if (isObject(json.roc)) {
    for (const key of ['auc', 'eer', 'eerThreshold']) {
      if (isScalar(json.roc[key]) && !(key in out)) out[key] = json.roc[key] as number;
    }
  }
  const tarAtFar = Array.isArray(json.tarAtFar)
    ? json.tarAtFar
    : isObject(json.roc)
      ? json.roc.tarAtFar
      : [];
  for (const t of Array.isArray(tarAtFar) ? tarAtFar : []) {
    if (isObject(t) && typeof t.far === 'number' && typeof t.tar === 'number')
      out[`TAR @ FAR=${t.far}`] = t.tar;
  }
  return out;
}

function tableOf(json: Json): Record<string, Cell>[] | undefined {
  if (Array.isArray(json.table)) return json.table.filter(isObject) as Record<string, Cell>[];
  if (!Array.isArray(json.folds) || !json.folds.every(isObject)) return undefined;
  const rows = (json.folds as Json[]).map(
    (fold) =>
      Object.fromEntries(Object.entries(fold).filter(([, v]) => isScalar(v))) as Record<
        string,
        Cell
      >,
  );
  if (typeof json.accuracy === 'number') {
    const std = typeof json.std === 'number' ? ` ± ${Number(json.std.toPrecision(3))}` : '';
    rows.push({
      fold: 'mean',
      threshold: json.threshold as Cell,
      accuracy: `${Number(json.accuracy.toPrecision(4))}${std}`,
    });
  }
  return rows;
}

/**
 * An evaluation section from an eval JSON document. Looks at: `name`/`benchmark`; ROC points in
 * `roc.points`, `roc`, `rocPoints` or `points`; pair scores (see `pairScores`), from which the
 * ROC is computed when no points are given; `threshold`; `table` rows, else `folds` rows plus a
 * mean row; every top-level scalar, `roc.auc`/`roc.eer` and `tarAtFar` for the summary.
 */
export function evaluationFromJson(json: unknown, fallbackName: string): EvaluationReport {
  if (!isObject(json)) return { name: fallbackName };
  const scores = pairScores(json);
  let points = rocPoints(json);
  if (
    (!points || points.length === 0) &&
    scores &&
    scores.same.length > 0 &&
    scores.different.length > 0
  ) {
    const all = [...scores.same, ...scores.different];
    points = roc(
      all,
      all.map((_, i) => i < scores.same.length),
    ).points;
  }
  const name = [json.name, json.benchmark].find((v) => typeof v === 'string') as string | undefined;
  return {
    name: name ?? fallbackName,
    roc: points,
    sameScores: scores?.same,
    differentScores: scores?.different,
    threshold: typeof json.threshold === 'number' ? json.threshold : undefined,
    table: tableOf(json),
    summary: summaryOf(json),
  };
}

/** `eval*.json` in `runDir`, then `*.json` in `runDir/eval/`, sorted by name. */
export function findEvaluationFiles(runDir: string): string[] {
  const list = (dir: string, keep: (n: string) => boolean) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter(keep)
          .sort()
          .map((n) => path.join(dir, n))
      : [];
  return [
    ...list(runDir, (n) => /^eval.*\.json$/i.test(n)),
    ...list(path.join(runDir, 'eval'), (n) => n.endsWith('.json')),
  ].filter((f) => fs.statSync(f).isFile());
}

/**
 * Everything a run folder holds for its report.
 * @throws if `runDir` is not a directory, or an eval file is not valid JSON (naming the file).
 */
export function loadRunReport(runDir: string): ReportData {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) {
    throw new Error(`loadRunReport: '${runDir}' is not a directory`);
  }
  const metrics = readMetrics(path.join(runDir, 'metrics.jsonl'));
  const evaluation = findEvaluationFiles(runDir).map((file) => {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`loadRunReport: ${file} is not valid JSON: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return evaluationFromJson(json, path.basename(file, '.json'));
  });
  const summary: Record<string, string | number> = {};
  const recipeFile = path.join(runDir, 'recipe.json');
  if (fs.existsSync(recipeFile)) {
    try {
      const recipe = JSON.parse(fs.readFileSync(recipeFile, 'utf8')) as Json;
      const nameOf = (v: unknown) =>
        isObject(v) && typeof v.name === 'string' ? v.name : undefined;
      if (nameOf(recipe.framework)) summary.framework = nameOf(recipe.framework)!;
      if (nameOf(recipe.backbone)) summary.backbone = nameOf(recipe.backbone)!;
    } catch {
      // an unreadable recipe only loses the summary lines
    }
  }
  const last = metrics[metrics.length - 1];
  if (last) {
    summary.steps = last.step;
    if (typeof last.loss === 'number') summary['last loss'] = Number(last.loss.toPrecision(4));
    if (typeof last.elapsed === 'number') summary['elapsed (s)'] = Math.round(last.elapsed);
  }
  return {
    title: `faceclr run ${path.basename(path.resolve(runDir))}`,
    metrics,
    evaluation,
    summary,
  };
}
