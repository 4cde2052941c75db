/**
 * Float64 loop references for the optimizers, and a small problem (a dense layer, a conv kernel
 * and batch-norm parameters) to run them on.
 */
import { tf } from '../../../src/engine/tf';
import type { Optimizer } from '../../../src/train/optim';
import { isBiasOrNormVariable } from '../../../src/train/optim';
import { seededValues } from '../../helpers/compare';

export interface Problem {
  shapes: Record<string, number[]>;
  init: Record<string, Float32Array>;
  /** One gradient map per step. */
  grads: Record<string, Float32Array>[];
  lrs: number[];
}

const SHAPES: Record<string, number[]> = {
  'conv/kernel': [2, 2, 1, 3],
  'dense/kernel': [3, 4],
  'dense/bias': [4],
  'bn/gamma': [4],
  'bn/beta': [4],
};

export function makeProblem(lrs: number[], seed = 7): Problem {
  const init: Record<string, Float32Array> = {};
  const grads: Record<string, Float32Array>[] = lrs.map(() => ({}));
  let s = seed;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const size = shape.reduce((a, b) => a * b, 1);
    init[name] = seededValues(size, s++);
    grads.forEach((g) => (g[name] = seededValues(size, s++).map((x) => 0.5 * x)));
  }
  return { shapes: SHAPES, init, grads, lrs };
}

/** A trainable variable holding `values`, without leaving the initial tensor behind. */
export function makeVariable(values: Float32Array, shape: number[]): tf.Variable {
  const init = tf.tensor(values, shape);
  const variable = tf.variable(init, true);
  init.dispose();
  return variable;
}

/** Creates the problem's variables, runs `optimizer` over its steps and returns the weights. */
export async function runOptimizer(
  optimizer: Optimizer,
  problem: Problem,
  steps = problem.grads.length,
): Promise<Record<string, Float32Array>> {
  const variables: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(problem.shapes)) {
    variables[name] = makeVariable(problem.init[name], shape);
  }
  for (let k = 0; k < steps; k++) {
    const grads: Record<string, tf.Tensor> = {};
    for (const name of Object.keys(problem.shapes))
      grads[name] = tf.tensor(problem.grads[k][name], problem.shapes[name]);
    optimizer.apply(grads, variables, problem.lrs[k]);
    tf.dispose(Object.values(grads));
  }
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(variables)) {
    out[name] = (await v.data()) as Float32Array;
    v.dispose();
  }
  return out;
}

export interface ReferenceOptions {
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  exclude?: (name: string) => boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  initialAccumulatorValue?: number;
  trustCoefficient?: number;
}

type Kind = 'sgd' | 'adagrad' | 'adam' | 'adamw' | 'lars';

const norm = (x: Float64Array): number => Math.sqrt(x.reduce((a, b) => a + b * b, 0));

/** The optimizer `kind` written as plain float64 loops, one element at a time. */
export function reference(
  kind: Kind,
  problem: Problem,
  o: ReferenceOptions,
): Record<string, Float64Array> {
  const wd = o.weightDecay ?? (kind === 'adamw' ? 0.01 : 0);
  const mu = o.momentum ?? (kind === 'lars' ? 0.9 : 0);
  const exclude = o.exclude ?? isBiasOrNormVariable;
  const [b1, b2] = [o.beta1 ?? 0.9, o.beta2 ?? 0.999];
  const out: Record<string, Float64Array> = {};
  for (const name of Object.keys(problem.shapes)) {
    const w = Float64Array.from(problem.init[name]);
    const n = w.length;
    const a = new Float64Array(n).fill(kind === 'adagrad' ? (o.initialAccumulatorValue ?? 0) : 0);
    const b = new Float64Array(n);
    const decay = wd > 0 && !exclude(name);
    problem.grads.forEach((grads, k) => {
      const lr = problem.lrs[k];
      const t = k + 1;
      const g = new Float64Array(n);
      for (let i = 0; i < n; i++)
        g[i] = grads[name][i] + (decay && kind !== 'adamw' ? wd * w[i] : 0);
      let scale = lr;
      if (kind === 'lars' && !exclude(name)) {
        const [wn, gn] = [norm(w), norm(g)];
        scale = lr * (wn > 0 && gn > 0 ? ((o.trustCoefficient ?? 0.001) * wn) / gn : 1);
      }
      for (let i = 0; i < n; i++) {
        if (kind === 'sgd') {
          a[i] = mu * a[i] + g[i];
          w[i] -= lr * (mu === 0 ? g[i] : o.nesterov ? g[i] + mu * a[i] : a[i]);
        } else if (kind === 'lars') {
          a[i] = mu * a[i] + scale * g[i];
          w[i] -= mu === 0 ? scale * g[i] : o.nesterov ? mu * a[i] + scale * g[i] : a[i];
        } else if (kind === 'adagrad') {
          a[i] += g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(a[i]) + (o.epsilon ?? 1e-10));
        } else {
          a[i] = b1 * a[i] + (1 - b1) * g[i];
          b[i] = b2 * b[i] + (1 - b2) * g[i] * g[i];
          const mHat = a[i] / (1 - b1 ** t);
          const vHat = b[i] / (1 - b2 ** t);
          w[i] -=
            lr *
            (mHat / (Math.sqrt(vHat) + (o.epsilon ?? 1e-8)) +
              (decay && kind === 'adamw' ? wd * w[i] : 0));
        }
      }
    });
    out[name] = w;
  }
  return out;
}

/** The backends the optimizer tests run on. */
export const BACKENDS = ['cpu', 'wasm'] as const;
