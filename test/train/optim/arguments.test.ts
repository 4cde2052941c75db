import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import {
  AdaGradOptimizer,
  AdamOptimizer,
  AdamWOptimizer,
  createOptimizer,
  LarsOptimizer,
  OPTIMIZERS,
  SgdOptimizer,
  type OptimizerName,
} from '../../../src/train/optim';

describe('optimizer arguments', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registry keys are the optimizer names and build the right classes', () => {
    expect(Object.isFrozen(OPTIMIZERS)).toBe(true);
    expect(Object.keys(OPTIMIZERS)).toEqual(['sgd', 'adagrad', 'adam', 'adamw', 'lars']);
    const classes = [SgdOptimizer, AdaGradOptimizer, AdamOptimizer, AdamWOptimizer, LarsOptimizer];
    (Object.keys(OPTIMIZERS) as OptimizerName[]).forEach((name, i) => {
      const optimizer = createOptimizer(name);
      expect(optimizer).toBeInstanceOf(classes[i]);
      optimizer.dispose();
    });
    expect(() => createOptimizer('rmsprop' as OptimizerName)).toThrow(
      /createOptimizer: name must be one of sgd \| adagrad \| adam \| adamw \| lars, got 'rmsprop'/,
    );
  });

  it('documents defaults: AdamW decays 0.01, LARS μ 0.9 η 0.001, others no decay', () => {
    const [adamw, adam, lars] = [new AdamWOptimizer(), new AdamOptimizer(), new LarsOptimizer()];
    expect([adamw.weightDecay, adam.weightDecay, adam.beta1, adam.beta2, adam.epsilon]).toEqual([
      0.01, 0, 0.9, 0.999, 1e-8,
    ]);
    expect([lars.momentum, lars.trustCoefficient, lars.weightDecay, lars.nesterov]).toEqual([
      0.9,
      0.001,
      0,
      false,
    ]);
    [adamw, adam, lars].forEach((o) => o.dispose());
  });

  it.each([
    [
      () => new SgdOptimizer({ momentum: 1 }),
      /SgdOptimizer: options\.momentum must be in \[0, 1\), got 1/,
    ],
    [
      () => new SgdOptimizer({ momentum: -0.1 }),
      /SgdOptimizer: options\.momentum must be in \[0, 1\), got -0\.1/,
    ],
    [
      () => new SgdOptimizer({ nesterov: true }),
      /SgdOptimizer: options\.nesterov needs options\.momentum > 0, got 0/,
    ],
    [
      () => new SgdOptimizer({ weightDecay: -1 }),
      /SgdOptimizer: options\.weightDecay must be a finite number >= 0, got -1/,
    ],
    [
      () => new LarsOptimizer({ momentum: 1.5 }),
      /LarsOptimizer: options\.momentum must be in \[0, 1\), got 1\.5/,
    ],
    [
      () => new LarsOptimizer({ trustCoefficient: -1 }),
      /LarsOptimizer: options\.trustCoefficient must be .* got -1/,
    ],
    [
      () => new AdamOptimizer({ beta1: 1 }),
      /AdamOptimizer: options\.beta1 must be in \[0, 1\), got 1/,
    ],
    [
      () => new AdamWOptimizer({ beta2: NaN }),
      /AdamWOptimizer: options\.beta2 must be in \[0, 1\), got NaN/,
    ],
    [
      () => new AdamOptimizer({ epsilon: 0 }),
      /AdamOptimizer: options\.epsilon must be a finite number > 0, got 0/,
    ],
    [
      () => new AdaGradOptimizer({ initialAccumulatorValue: -1 }),
      /AdaGradOptimizer: options\.initialAccumulatorValue .* got -1/,
    ],
  ])('constructor %#: throws naming the class and option', (make, message) => {
    expect(make).toThrow(message);
  });

  it.each(Object.keys(OPTIMIZERS) as OptimizerName[])(
    '%s.apply rejects bad lr, grads and use after dispose',
    (name) => {
      const optimizer = createOptimizer(name);
      const label = optimizer.constructor.name;
      const w = tf.variable(tf.zeros([2]));
      const g = tf.ones([2]);
      const g3 = tf.ones([3]);
      expect(() => optimizer.apply({ w: g }, { w }, -0.1)).toThrow(
        new RegExp(`${label}\\.apply: lr must be a finite number >= 0, got -0\\.1`),
      );
      expect(() => optimizer.apply({ w: g }, { w }, NaN)).toThrow(
        new RegExp(`${label}\\.apply: lr .* got NaN`),
      );
      expect(() => optimizer.apply({ v: g }, { w }, 0.1)).toThrow(
        new RegExp(`${label}\\.apply: grads\\['v'\\] has no variable in variables`),
      );
      expect(() => optimizer.apply({ w: g3 }, { w }, 0.1)).toThrow(
        new RegExp(
          `${label}\\.apply: grads\\['w'\\] has shape \\[3\\] but the variable has shape \\[2\\]`,
        ),
      );
      optimizer.apply({ w: g }, { w }, 0); // lr 0 is allowed
      optimizer.dispose();
      expect(() => optimizer.apply({ w: g }, { w }, 0.1)).toThrow(
        new RegExp(`${label}\\.apply: the optimizer was disposed`),
      );
      tf.dispose([w, g, g3]);
    },
  );

  it('restore needs <variable>/<slot> keys; a restored slot whose shape disagrees with the variable is reported', () => {
    const optimizer = new SgdOptimizer({ momentum: 0.9 });
    expect(() => optimizer.restore({ w: { shape: [3], values: new Float32Array(3) } })).toThrow(
      /SgdOptimizer\.restore: state key 'w' is not '<variable>\/<slot>' with slot one of momentum/,
    );
    optimizer.dispose();
    const other = new SgdOptimizer({ momentum: 0.9 });
    other.restore({ 'a/w/momentum': { shape: [3], values: new Float32Array(3) } });
    const w = tf.variable(tf.zeros([2]));
    const g = tf.ones([2]);
    expect(() => other.apply({ 'a/w': g }, { 'a/w': w }, 0.1)).toThrow(
      /SgdOptimizer\.apply: slot 'a\/w\/momentum' has shape \[3\] but the variable has shape \[2\]/,
    );
    tf.dispose([w, g]);
    other.dispose();
  });
});
