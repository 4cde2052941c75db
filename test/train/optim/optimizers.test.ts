import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { createOptimizer, type OptimizerName } from '../../../src/train/optim';
import { relativeL2 } from '../../helpers/compare';
import { BACKENDS, makeProblem, reference, runOptimizer, type ReferenceOptions } from './reference';

const LRS = [0.1, 0.05, 0.2, 0.08, 0.15];
const headOnly = (name: string): boolean => name.startsWith('dense/');

const CASES: [OptimizerName, ReferenceOptions, number?][] = [
  ['sgd', {}],
  ['sgd', { weightDecay: 0.05 }],
  ['sgd', { momentum: 0.9, weightDecay: 0.05 }],
  ['sgd', { momentum: 0.9, nesterov: true, weightDecay: 0.05 }],
  ['sgd', { momentum: 0.5, weightDecay: 0.1, exclude: headOnly }],
  ['adagrad', { weightDecay: 0.05 }],
  ['adagrad', { initialAccumulatorValue: 0.1, epsilon: 1e-6 }],
  ['adam', {}, 0.1],
  ['adam', { weightDecay: 0.05, beta1: 0.8, beta2: 0.99 }, 0.1],
  ['adamw', {}, 0.1],
  ['adamw', { weightDecay: 0.3, exclude: headOnly }, 0.1],
  ['lars', {}, 10],
  ['lars', { weightDecay: 0.05, trustCoefficient: 0.02 }, 10],
  ['lars', { momentum: 0.8, nesterov: true, weightDecay: 0.05, trustCoefficient: 0.02 }, 10],
  ['lars', { momentum: 0, weightDecay: 0.1, trustCoefficient: 0.02, exclude: headOnly }, 10],
];

describe.each(BACKENDS)('optimizers match float64 loops on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(CASES)('%s %j', async (kind, options, lrScale = 1) => {
    const problem = makeProblem(LRS.map((lr) => lr * lrScale));
    const { exclude, ...rest } = options;
    const optimizer = createOptimizer(kind, { ...rest, excludeFromWeightDecay: exclude });
    const got = await runOptimizer(optimizer, problem);
    optimizer.dispose();
    const want = reference(kind, problem, options);
    for (const name of Object.keys(want)) {
      expect(relativeL2(got[name], want[name])).toBeLessThan(1e-5);
      // the update is not negligible, so the comparison tests something
      expect(relativeL2(problem.init[name], want[name])).toBeGreaterThan(1e-3);
    }
  });

  it.each(['sgd', 'adagrad', 'adam', 'adamw', 'lars'] as const)(
    '%s: weight decay skips biases and batch-norm gamma/beta',
    async (kind) => {
      const problem = makeProblem([0.5, 0.5]);
      for (const step of problem.grads) for (const name of Object.keys(step)) step[name].fill(0);
      const optimizer = createOptimizer(kind, { weightDecay: 0.1 });
      const got = await runOptimizer(optimizer, problem);
      optimizer.dispose();
      for (const name of ['dense/bias', 'bn/gamma', 'bn/beta'])
        expect(got[name]).toEqual(problem.init[name]);
      for (const name of ['dense/kernel', 'conv/kernel']) {
        expect(relativeL2(got[name], problem.init[name])).toBeGreaterThan(1e-4);
      }
    },
  );

  it('the default rule also excludes suffixed names (dense/bias_1) but not kernels', () => {
    const optimizer = createOptimizer('sgd');
    const rule = optimizer.excludeFromWeightDecay;
    expect(['a/bias', 'a/bias_1', 'bn/gamma', 'bn/beta_2'].map(rule)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['a/kernel', 'bias', 'a/bias/kernel', 'a/gamma_x'].map(rule)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    optimizer.dispose();
  });

  it('Nesterov and heavy-ball momentum differ as derived by hand', () => {
    // v1 = g1; w1 = w0 - lr*g1 (heavy ball) or w0 - lr*(1+mu)*g1 (Nesterov).
    // v2 = mu*g1 + g2; w2 = w1 - lr*v2 or w1 - lr*(g2 + mu*v2).
    const [w0, g1, g2, lr, mu] = [1, 0.5, -0.25, 0.1, 0.9];
    const run = (nesterov: boolean): number[] => {
      const optimizer = createOptimizer('sgd', { momentum: mu, nesterov });
      const w = tf.variable(tf.scalar(w0));
      const out: number[] = [];
      for (const g of [g1, g2]) {
        const grad = tf.scalar(g);
        optimizer.apply({ w: grad }, { w }, lr);
        grad.dispose();
        out.push(w.dataSync()[0]);
      }
      w.dispose();
      optimizer.dispose();
      return out;
    };
    const heavy1 = w0 - lr * g1;
    const nest1 = w0 - lr * (1 + mu) * g1;
    const v2 = mu * g1 + g2;
    const [heavy, nesterov] = [run(false), run(true)];
    expect(heavy[0]).toBeCloseTo(heavy1, 6);
    expect(nesterov[0]).toBeCloseTo(nest1, 6);
    expect(heavy[1]).toBeCloseTo(heavy1 - lr * v2, 6);
    expect(nesterov[1]).toBeCloseTo(nest1 - lr * (g2 + mu * v2), 6);
  });
});
