/**
 * Plain-loop float64 references of the margin and metric losses, one sample and one class at a
 * time, written from the papers' equations (no masks, no tensors).
 */
import { Matrix } from './reference';

const EPS = 1e-6; // COS_EPSILON of src/losses/class_labels.ts
const clamp = (c: number) => Math.min(Math.max(c, -1 + EPS), 1 - EPS);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/** ArcFace target transform of one cosine (insightface `losses.py`). */
export function arcfaceTarget(cos: number, margin: number, easyMargin = false): number {
  const c = clamp(cos);
  const theta = Math.acos(c);
  if (easyMargin) return c > 0 ? Math.cos(theta + margin) : cos;
  return c > Math.cos(Math.PI - margin)
    ? Math.cos(theta + margin)
    : cos - Math.sin(Math.PI - margin) * margin;
}

export function arcfaceRef(
  cos: Matrix,
  labels: number[],
  o: { scale: number; margin: number; easyMargin?: boolean },
): Matrix {
  return cos.map((row, i) =>
    row.map((c, j) => o.scale * (j === labels[i] ? arcfaceTarget(c, o.margin, o.easyMargin) : c)),
  );
}

export function cosfaceRef(
  cos: Matrix,
  labels: number[],
  o: { scale: number; margin: number },
): Matrix {
  return cos.map((row, i) => row.map((c, j) => o.scale * (j === labels[i] ? c - o.margin : c)));
}

/** ψ(θ) = (−1)^k cos(mθ) − 2k with k = ⌊mθ/π⌋, straight from the paper (uses acos). */
export function psiRef(cos: number, m: number): number {
  const theta = Math.acos(clamp(cos));
  const k = Math.min(Math.floor((m * theta) / Math.PI), m - 1);
  return (k % 2 === 0 ? 1 : -1) * Math.cos(m * theta) - 2 * k;
}

export function sphereFaceRef(
  cos: Matrix,
  labels: number[],
  o: { margin: number; lambda: number; rowScale: number[] },
): Matrix {
  return cos.map((row, i) =>
    row.map(
      (c, j) =>
        o.rowScale[i] *
        (j === labels[i] ? (o.lambda * c + psiRef(c, o.margin)) / (1 + o.lambda) : c),
    ),
  );
}

export function crossEntropyRef(logits: Matrix, labels: number[]): number {
  let total = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    total += lse - row[labels[i]];
  });
  return total / logits.length;
}

/** cos between embedding rows x [N, D] and weight columns w [D, C]. */
export function cosineRef(x: Matrix, w: Matrix): Matrix {
  const columns = w[0].map((_, j) => w.map((r) => r[j]));
  return x.map((xi) =>
    columns.map((wj) => dot(xi, wj) / Math.sqrt(dot(xi, xi)) / Math.sqrt(dot(wj, wj))),
  );
}

export type Distance = 'euclidean' | 'squaredEuclidean' | 'cosine';
export function distanceRef(a: number[], b: number[], d: Distance): number {
  if (d === 'cosine') return 1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
  const sq = a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0);
  return d === 'squaredEuclidean' ? sq : Math.sqrt(sq);
}

export function contrastivePairRef(
  a: Matrix,
  b: Matrix,
  same: number[],
  margin: number,
  d: Distance,
): number {
  let total = 0;
  a.forEach((ai, i) => {
    const dist = distanceRef(ai, b[i], d);
    total += same[i] ? dist * dist : Math.max(0, margin - dist) ** 2;
  });
  return total / a.length;
}

export function tripletRef(
  x: Matrix,
  labels: number[],
  o: {
    margin: number;
    mining: 'batchAll' | 'batchHard';
    distance: Distance;
    average?: 'nonzero' | 'all';
  },
): number {
  const n = x.length;
  const d = (i: number, j: number) => distanceRef(x[i], x[j], o.distance);
  if (o.mining === 'batchHard') {
    let [total, anchors] = [0, 0];
    for (let a = 0; a < n; a++) {
      let [hp, hn] = [-Infinity, Infinity];
      for (let j = 0; j < n; j++) {
        if (j !== a && labels[j] === labels[a]) hp = Math.max(hp, d(a, j));
        if (labels[j] !== labels[a]) hn = Math.min(hn, d(a, j));
      }
      if (hp === -Infinity || hn === Infinity) continue;
      total += Math.max(0, hp - hn + o.margin);
      anchors++;
    }
    return total / Math.max(anchors, 1);
  }
  let [total, count] = [0, 0];
  for (let a = 0; a < n; a++)
    for (let p = 0; p < n; p++)
      for (let q = 0; q < n; q++) {
        if (p === a || labels[p] !== labels[a] || labels[q] === labels[a]) continue;
        const l = d(a, p) - d(a, q) + o.margin;
        total += Math.max(0, l);
        if (o.average === 'all' || l > 0) count++;
      }
  return total / Math.max(count, 1);
}

export function centerLossRef(x: Matrix, labels: number[], centers: Matrix): number {
  return (
    x.reduce((s, xi, i) => s + 0.5 * distanceRef(xi, centers[labels[i]], 'squaredEuclidean'), 0) /
    x.length
  );
}
