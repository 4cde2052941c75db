import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import {
  createOptimizer,
  OPTIMIZERS,
  type OptimizerName,
  type OptimizerState,
} from '../../../src/train/optim';
import { makeProblem, makeVariable, runOptimizer, type Problem } from './reference';

const KINDS = Object.keys(OPTIMIZERS) as OptimizerName[];
const OPTIONS = { momentum: 0.9, weightDecay: 0.05 } as const;
const make = (kind: OptimizerName) =>
  kind === 'sgd' || kind === 'lars'
    ? createOptimizer(kind, OPTIONS)
    : createOptimizer(kind, { weightDecay: 0.05 });

/** The state after a trip through JSON, as a checkpoint file would store it. */
function throughJson(state: OptimizerState): OptimizerState {
  const plain = Object.entries(state).map(([key, { shape, values }]) => [
    key,
    shape,
    Array.from(values),
  ]);
  const parsed = JSON.parse(JSON.stringify(plain)) as [string, number[], number[]][];
  return Object.fromEntries(
    parsed.map(([key, shape, values]) => [key, { shape, values: Float32Array.from(values) }]),
  );
}

/** The problem continued from `weights` after `from` steps. */
function continuation(
  problem: Problem,
  weights: Record<string, Float32Array>,
  from: number,
): Problem {
  return {
    ...problem,
    init: weights,
    grads: problem.grads.slice(from),
    lrs: problem.lrs.slice(from),
  };
}

describe('optimizer state export / restore and tensor bookkeeping', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(KINDS)('%s: a restored optimizer continues exactly', async (kind) => {
    const problem = makeProblem([0.1, 0.2, 0.05, 0.1, 0.15]);
    const first = make(kind);
    const uninterrupted = await runOptimizer(first, problem);
    first.dispose();

    const before = make(kind);
    const midWeights = await runOptimizer(before, problem, 2);
    const saved = await before.state();
    before.dispose();
    const after = make(kind);
    after.restore(throughJson(saved));
    const resumed = await runOptimizer(after, continuation(problem, midWeights, 2));
    after.dispose();
    for (const name of Object.keys(uninterrupted))
      expect(resumed[name]).toEqual(uninterrupted[name]);
  });

  it('exports slots as <variable>/<slot>, with Adam step counts', async () => {
    const optimizer = createOptimizer('adam');
    await runOptimizer(optimizer, makeProblem([0.1, 0.1, 0.1]));
    const state = await optimizer.state();
    expect(Object.keys(state)).toContain('dense/kernel/m');
    expect(state['dense/kernel/v'].shape).toEqual([3, 4]);
    expect(state['bn/gamma/step']).toEqual({ shape: [], values: Float32Array.of(3) });
    optimizer.dispose();
  });

  it('restore rejects unknown slots, missing slots and wrong sizes, naming the key', async () => {
    const optimizer = createOptimizer('adam');
    const values = new Float32Array(2);
    expect(() => optimizer.restore({ 'w/momentum': { shape: [2], values } })).toThrow(
      /AdamOptimizer\.restore: state key 'w\/momentum' is not '<variable>\/<slot>' with slot one of m \| v \| step/,
    );
    expect(() => optimizer.restore({ 'w/m': { shape: [2], values } })).toThrow(
      /AdamOptimizer\.restore: state for 'w' lacks slot\(s\) v, step/,
    );
    expect(() => optimizer.restore({ 'w/m': { shape: [3], values } })).toThrow(
      /AdamOptimizer\.restore: state\['w\/m'\] has 2 values for shape \[3\]/,
    );
    optimizer.dispose();
  });

  it.each(KINDS)(
    '%s: no tensors leak across steps, state(), restore() and dispose()',
    async (kind) => {
      const problem = makeProblem([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
      const baseline = tf.memory().numTensors;
      const optimizer = make(kind);
      const variables: Record<string, tf.Variable> = {};
      for (const [name, shape] of Object.entries(problem.shapes)) {
        variables[name] = makeVariable(problem.init[name], shape);
      }
      const counts: number[] = [];
      for (const grads of problem.grads) {
        const g = tf.tidy(() => {
          const out: Record<string, tf.Tensor> = {};
          for (const [name, shape] of Object.entries(problem.shapes))
            out[name] = tf.tensor(grads[name], shape);
          return out;
        });
        optimizer.apply(g, variables, 0.1);
        tf.dispose(Object.values(g));
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts).size).toBe(1);
      optimizer.restore(await optimizer.state());
      expect(tf.memory().numTensors).toBe(counts[0]);
      optimizer.dispose();
      optimizer.dispose();
      tf.dispose(Object.values(variables));
      expect(tf.memory().numTensors).toBe(baseline);
    },
  );

  it('slots are not trainable, so tf.variableGrads() leaves them out', () => {
    const optimizer = createOptimizer('adam');
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'state_test/w');
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(w)));
    optimizer.apply(grads, { 'state_test/w': w }, 0.1);
    tf.dispose([value, ...Object.values(grads)]);
    const second = tf.variableGrads(() => tf.sum(tf.square(w)));
    expect(Object.keys(second.grads)).toEqual(['state_test/w']);
    tf.dispose([second.value, ...Object.values(second.grads), w]);
    optimizer.dispose();
  });
});
