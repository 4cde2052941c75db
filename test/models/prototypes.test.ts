import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { PrototypeHead } from '../../src/models/prototypes';
import { seededValues } from '../helpers/compare';

function columnNorms(w: tf.Tensor): number[] {
  return tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(w), 0)).dataSync()));
}

describe('PrototypeHead (SwAV prototypes)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('validates its config', () => {
    expect(() => new PrototypeHead({ inFeatures: 0, prototypes: 3 }, 0)).toThrow(
      /PrototypeHead: config.inFeatures must be a positive integer, got 0/,
    );
    expect(() => new PrototypeHead({ inFeatures: 4, prototypes: 2.5 }, 0)).toThrow(
      /config.prototypes/,
    );
  });

  it('starts with unit-norm columns and normalize() restores them after a step', () => {
    const head = new PrototypeHead({ inFeatures: 6, prototypes: 5 }, 0);
    expect(head.weight.shape).toEqual([6, 5]);
    for (const n of columnNorms(head.weight)) expect(n).toBeCloseTo(1, 5);
    tf.tidy(() => head.weight.assign(tf.mul(head.weight, tf.tensor1d([1, 2, 3, 4, 5]))));
    head.normalize();
    for (const n of columnNorms(head.weight)) expect(n).toBeCloseTo(1, 5);
    head.dispose();
  });

  it('scores are cosines of each row with each prototype; gradients reach W; no leaks', () => {
    const head = new PrototypeHead({ inFeatures: 4, prototypes: 3 }, 'p');
    const zv = seededValues(8, 3);
    const before = tf.memory().numTensors;
    const z = tf.tensor2d(zv, [2, 4]);
    const scores = head.apply(z);
    expect(scores.shape).toEqual([2, 3]);
    const w = head.weight.dataSync();
    for (let n = 0; n < 2; n++) {
      const row = zv.slice(4 * n, 4 * n + 4);
      const norm = Math.hypot(...row);
      for (let k = 0; k < 3; k++) {
        let dot = 0;
        for (let d = 0; d < 4; d++) dot += (row[d] / norm) * w[d * 3 + k];
        expect(scores.dataSync()[n * 3 + k]).toBeCloseTo(dot, 5);
      }
    }
    const { value, grads } = tf.variableGrads(
      () => tf.sum(head.apply(z)) as tf.Scalar,
      [head.weight],
    );
    expect(Array.from(grads[head.weight.name].dataSync()).some((g) => g !== 0)).toBe(true);
    expect(() => head.apply(tf.zeros([2, 5]) as tf.Tensor2D)).toThrow(
      /PrototypeHead.apply: z must be \[N,4\], got \[2,5\]/,
    );
    tf.dispose([z, scores, value, grads[head.weight.name]]);
    expect(tf.memory().numTensors).toBe(before + 1); // the zeros of the failed call
    head.dispose();
  });
});
