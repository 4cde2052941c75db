import { linearProbe } from '../../src/eval/linear_probe';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { LabelledEmbeddings } from '../../src/eval/knn';
import { Rng } from '../../src/util/random';

/** Classes around orthogonal directions in 8-D (linearly separable after normalisation). */
function toy(perClass: number, seed: number): LabelledEmbeddings {
  const rng = new Rng(seed);
  const embeddings: number[][] = [];
  const labels: number[] = [];
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < perClass; i++) {
      embeddings.push(
        Array.from({ length: 8 }, (_, d) => (d === 2 * c ? 2 : 0) + rng.normal(0, 0.3)),
      );
      labels.push(c);
    }
  }
  return { embeddings, labels };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('linearProbe on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('reaches 100% on separable toy data, deterministically, without leaking tensors', () => {
    const [train, test] = [toy(20, 1), toy(10, 2)];
    const before = tf.memory().numTensors;
    const r = linearProbe(train, test, { epochs: 60, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.top1).toBe(1);
    expect(r.trainTop1).toBe(1);
    expect(r.loss).toBeLessThan(0.5);
    expect(linearProbe(train, test, { epochs: 60, seed: 3 }).loss).toBe(r.loss);
    const sgd = linearProbe(train, test, { epochs: 60, optimizer: 'sgd', learningRate: 2 });
    expect(sgd.top1).toBe(1);
  });
});

describe('linearProbe errors', () => {
  const ok = {
    embeddings: [
      [1, 0],
      [0, 1],
    ],
    labels: [0, 1],
  };
  it('name the function and argument', () => {
    expect(() => linearProbe(ok, ok, { epochs: 0 })).toThrow(
      /^linearProbe: options\.epochs must be an integer >= 1, got 0/,
    );
    expect(() => linearProbe(ok, ok, { learningRate: -1 })).toThrow(
      /^linearProbe: options\.learningRate must be a finite number > 0/,
    );
    expect(() => linearProbe(ok, ok, { weightDecay: -1 })).toThrow(
      /^linearProbe: options\.weightDecay/,
    );
    expect(() => linearProbe(ok, ok, { optimizer: 'lbfgs' as never })).toThrow(
      /^linearProbe: options\.optimizer must be 'adam' \| 'sgd'/,
    );
    expect(() => linearProbe(ok, ok, { classes: 1 })).toThrow(
      /^linearProbe: options\.classes must be an integer >= 2 and > every label \(1\), got 1/,
    );
    expect(() => linearProbe(ok, { embeddings: [[1, 0, 0]], labels: [0] })).toThrow(
      /^linearProbe: test\.embeddings must have dim 2 like train, got 3/,
    );
  });
});
