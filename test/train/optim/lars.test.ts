import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { LarsOptimizer } from '../../../src/train/optim';

/** One LARS step on named 2-vectors, momentum 0; returns the new values. */
function step(
  optimizer: LarsOptimizer,
  name: string,
  w: number[],
  g: number[],
  lr: number,
): number[] {
  const variable = tf.variable(tf.tensor1d(w));
  const grad = tf.tensor1d(g);
  optimizer.apply({ [name]: grad }, { [name]: variable }, lr);
  const out = Array.from(variable.dataSync());
  tf.dispose([variable, grad]);
  return out;
}

describe('LarsOptimizer trust ratio', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // w = [3, 4], ‖w‖ = 5; ∇w = [-0.3, 0.1], λ = 0.1 → g = ∇w + λw = [0, 0.5], ‖g‖ = 0.5;
  // r = η‖w‖/‖g‖ = 0.001·5/0.5 = 0.01; with lr = 2: w ← w − 2·0.01·g = [3, 3.99].
  it('scales the decayed gradient by η‖w‖/‖g‖ (hand-computed)', () => {
    const optimizer = new LarsOptimizer({ momentum: 0, weightDecay: 0.1 });
    const ratio = optimizer.trustRatio(tf.tensor1d([3, 4]), tf.tensor1d([0, 0.5]));
    expect(ratio.dataSync()[0]).toBeCloseTo(0.01, 7);
    ratio.dispose();
    const out = step(optimizer, 'dense/kernel', [3, 4], [-0.3, 0.1], 2);
    expect(out[0]).toBeCloseTo(3, 6);
    expect(out[1]).toBeCloseTo(3.99, 6);
    optimizer.dispose();
  });

  it('leaves biases and BN parameters unadapted and undecayed: plain SGD', () => {
    const optimizer = new LarsOptimizer({ momentum: 0, weightDecay: 0.1 });
    for (const name of ['dense/bias', 'bn/gamma', 'bn/beta']) {
      const out = step(optimizer, name, [3, 4], [-0.3, 0.1], 2);
      expect(out[0]).toBeCloseTo(3.6, 6);
      expect(out[1]).toBeCloseTo(3.8, 6);
    }
    optimizer.dispose();
  });

  it('uses ratio 1 when the weights or the gradient are zero', () => {
    const optimizer = new LarsOptimizer({ momentum: 0 });
    expect(step(optimizer, 'a/kernel', [0, 0], [0.5, -1], 0.1)).toEqual([
      expect.closeTo(-0.05, 7),
      expect.closeTo(0.1, 7),
    ]);
    expect(step(optimizer, 'b/kernel', [1, 2], [0, 0], 0.1)).toEqual([1, 2]);
    optimizer.dispose();
  });

  it('separate predicates for decay and adaptation', () => {
    // decay on, adaptation off for 'x/kernel': w ← w − lr·(∇w + λw) = [3, 4] − 2·[0, 0.5]
    const optimizer = new LarsOptimizer({
      momentum: 0,
      weightDecay: 0.1,
      excludeFromAdaptation: (name) => name.startsWith('x/'),
    });
    const out = step(optimizer, 'x/kernel', [3, 4], [-0.3, 0.1], 2);
    expect(out[0]).toBeCloseTo(3, 6);
    expect(out[1]).toBeCloseTo(3, 6);
    optimizer.dispose();
  });

  it('keeps lr inside the momentum buffer (SimCLR form)', () => {
    // bias (no adaptation): v1 = lr1·g, v2 = μ·v1 + lr2·g; w2 = w0 − v1 − v2.
    const optimizer = new LarsOptimizer({ momentum: 0.9 });
    const w = tf.variable(tf.tensor1d([1]));
    const grad = tf.tensor1d([1]);
    optimizer.apply({ 'a/bias': grad }, { 'a/bias': w }, 0.5);
    optimizer.apply({ 'a/bias': grad }, { 'a/bias': w }, 0.1);
    expect(w.dataSync()[0]).toBeCloseTo(1 - 0.5 - (0.9 * 0.5 + 0.1), 6);
    tf.dispose([w, grad]);
    optimizer.dispose();
  });
});
