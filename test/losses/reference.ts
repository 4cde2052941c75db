/**
 * Naive float64 references of the losses, written as nested loops straight from the papers'
 * equations (no masks), for checking values and, by central differences, gradients.
 *
 * Quantities the implementations compute off the gradient tape (false-negative selection, MoCHi
 * points, DCLW weights, Sinkhorn codes) are taken from `detachedFrom` inputs when given, so that a
 * finite difference perturbs only the differentiated path.
 */
import {
  mixingPlan,
  HardNegativeMixing,
  FalseNegativeCancellation,
} from '../../src/losses/negative_mining';
import { seededValues } from '../helpers/compare';

export type Matrix = number[][];

export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const v = seededValues(rows * cols, seed);
  return Array.from({ length: rows }, (_, i) => Array.from(v.subarray(i * cols, (i + 1) * cols)));
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
export const normalize = (a: number[]) => {
  const n = Math.max(Math.sqrt(dot(a, a)), 1e-12);
  return a.map((x) => x / n);
};
const cos = (a: number[], b: number[]) => dot(normalize(a), normalize(b));
const logSumExp = (xs: number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** −mean over positives of s_p + log Σ_denominator exp(s). */
function rowLoss(s: number[], positives: number[], denominator: number[], weight = 1): number {
  return -weight * mean(positives.map((p) => s[p])) + logSumExp(denominator.map((j) => s[j]));
}

/** Indices of the `count` largest s[j] for j in candidates. */
function topIndices(s: number[], candidates: number[], count: number): number[] {
  return [...candidates].sort((a, b) => s[b] - s[a]).slice(0, count);
}

export interface NtXentRefOptions {
  temperature: number;
  falseNegatives?: FalseNegativeCancellation;
  labels?: number[]; // SupCon positives
  decoupled?: boolean; // DCL denominator
  vmfSigma?: number; // DCLW weights
  detachedFrom?: { query: Matrix; key: Matrix };
}

/** NT-Xent and its variants (SupCon, DCL/DCLW, false-negative cancellation) over z = [q; k]. */
export function ntXentRef(query: Matrix, key: Matrix, o: NtXentRefOptions): number {
  const n = query.length;
  const z = [...query, ...key];
  const src = o.detachedFrom ? [...o.detachedFrom.query, ...o.detachedFrom.key] : z;
  const weights = query.map(() => 1);
  if (o.vmfSigma !== undefined) {
    const base = o.detachedFrom ?? { query, key };
    const e = base.query.map((q, i) => Math.exp(cos(q, base.key[i]) / o.vmfSigma!));
    const total = e.reduce((a, b) => a + b, 0);
    e.forEach((x, i) => (weights[i] = 2 - (n * x) / total));
  }
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const s = z.map((zj) => cos(z[i], zj) / o.temperature);
    const pos = (i + n) % (2 * n);
    let positives = o.labels
      ? z.map((_, j) => j).filter((j) => j !== i && o.labels![j % n] === o.labels![i % n])
      : [pos];
    let denominator = z.map((_, j) => j).filter((j) => j !== i && !(o.decoupled && j === pos));
    if (o.falseNegatives) {
      const sSrc = src.map((zj) => cos(src[i], zj));
      const negatives = denominator.filter((j) => !positives.includes(j));
      const flagged = topIndices(sSrc, negatives, o.falseNegatives.count);
      if (o.falseNegatives.mode === 'elimination')
        denominator = denominator.filter((j) => !flagged.includes(j));
      else positives = [...positives, ...flagged];
    }
    total += rowLoss(s, positives, denominator, weights[i % n]);
  }
  return total / (2 * n);
}

export interface QueueRefOptions {
  temperature: number;
  falseNegatives?: FalseNegativeCancellation;
  hardNegativeMixing?: HardNegativeMixing;
  detachedFrom?: { query: Matrix };
}

/** MoCo InfoNCE with a queue: per query [q·k, q·n_1..n_M, q·synthetic...] / τ. */
export function queueRef(
  query: Matrix,
  key: Matrix,
  negatives: Matrix,
  o: QueueRefOptions,
): number {
  const n = query.length;
  const srcQuery = o.detachedFrom?.query ?? query;
  const mix = o.hardNegativeMixing;
  const plan = mix ? mixingPlan(n, mix) : undefined;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = [cos(query[i], key[i]), ...negatives.map((neg) => cos(query[i], neg))].map(
      (x) => x / o.temperature,
    );
    const sSrc = [cos(srcQuery[i], key[i]), ...negatives.map((neg) => cos(srcQuery[i], neg))];
    let positives = [0];
    let denominator = s.map((_, j) => j);
    if (o.falseNegatives) {
      const flagged = topIndices(sSrc, denominator.slice(1), o.falseNegatives.count);
      if (o.falseNegatives.mode === 'elimination')
        denominator = denominator.filter((j) => !flagged.includes(j));
      else positives = [0, ...flagged];
    }
    if (mix && plan) {
      const candidates = denominator.filter((j) => !positives.includes(j));
      const hard = topIndices(sSrc, candidates, mix.hardest).map((j) =>
        normalize(negatives[j - 1]),
      );
      const qs = mix.querySynthetic ?? 0;
      const points: number[][] = [];
      for (let t = 0; t < mix.synthetic; t++) {
        const at = i * mix.synthetic + t;
        const [a, b, alpha] = [hard[plan.first[at]], hard[plan.second[at]], plan.alpha[at]];
        points.push(normalize(a.map((x, d) => alpha * x + (1 - alpha) * b[d])));
      }
      for (let t = 0; t < qs; t++) {
        const [c, beta] = [hard[plan.queryRank[i * qs + t]], plan.beta[i * qs + t]];
        const qn = normalize(srcQuery[i]);
        points.push(normalize(qn.map((x, d) => beta * x + (1 - beta) * c[d])));
      }
      for (const h of points) {
        denominator.push(s.length);
        s.push(dot(normalize(query[i]), h) / o.temperature);
      }
    }
    total += rowLoss(s, positives, denominator);
  }
  return total / n;
}

export function negativeCosineRef(prediction: Matrix, target: Matrix): number {
  return -mean(prediction.map((p, i) => cos(p, target[i])));
}

export function sinkhornRef(scores: Matrix, epsilon: number, iterations: number): Matrix {
  const [b, k] = [scores.length, scores[0].length];
  const q = scores.map((row) => row.map((x) => Math.exp(x / epsilon))); // [B, K]
  const sum = q.flat().reduce((a, x) => a + x, 0);
  q.forEach((row) => row.forEach((_, j) => (row[j] /= sum)));
  for (let it = 0; it < iterations; it++) {
    for (let j = 0; j < k; j++) {
      let col = 0;
      for (let i = 0; i < b; i++) col += q[i][j];
      for (let i = 0; i < b; i++) q[i][j] /= col * k;
    }
    for (let i = 0; i < b; i++) {
      const row = q[i].reduce((a, x) => a + x, 0);
      for (let j = 0; j < k; j++) q[i][j] /= row * b;
    }
  }
  return q.map((row) => row.map((x) => x * b));
}

export function swavRef(
  crops: Matrix[],
  o: {
    temperature: number;
    epsilon: number;
    iterations: number;
    globalCrops: number;
    queues?: Matrix[];
  },
  detachedFrom: Matrix[] = crops,
): number {
  let total = 0;
  for (let c = 0; c < o.globalCrops; c++) {
    const queue = o.queues?.[c] ?? [];
    const codes = sinkhornRef([...queue, ...detachedFrom[c]], o.epsilon, o.iterations).slice(
      queue.length,
    );
    for (let v = 0; v < crops.length; v++) {
      if (v === c) continue;
      const ce = crops[v].map((row, i) => {
        const x = row.map((s) => s / o.temperature);
        const lse = logSumExp(x);
        return -codes[i].reduce((a, q, j) => a + q * (x[j] - lse), 0);
      });
      total += mean(ce) / (crops.length - 1);
    }
  }
  return total / o.globalCrops;
}

/** Central-difference gradient of `f` with respect to every entry of `inputs[which]`. */
export function numericGradient(
  f: (inputs: Matrix[]) => number,
  inputs: Matrix[],
  which: number,
  eps = 1e-6,
): number[] {
  const grad: number[] = [];
  const x = inputs[which];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x[i].length; j++) {
      const plus = inputs.map((m) => m.map((r) => [...r]));
      const minus = inputs.map((m) => m.map((r) => [...r]));
      plus[which][i][j] += eps;
      minus[which][i][j] -= eps;
      grad.push((f(plus) - f(minus)) / (2 * eps));
    }
  }
  return grad;
}

/** |a − b| / max(|b|, 1e-12). */
export const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
