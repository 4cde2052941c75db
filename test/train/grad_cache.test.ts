import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { Framework, variablesByName } from '../../src/frameworks/base';
import { infoNce } from '../../src/losses/info_nce';
import type { Backbone } from '../../src/models/backbone';
import { MlpHead } from '../../src/models/heads';
import { gradCacheGrads, supportsGradCache } from '../../src/train/grad_cache';
import { TinySimClr, tinyBackbone } from './fixtures';

/** SimCLR over a BN-free MLP on raw pixels: chunking cannot change anything but the arithmetic. */
class PixelSimClr extends Framework {
  readonly name = 'pixel';
  readonly head = new MlpHead(
    { inFeatures: 16 * 16 * 3, hiddenFeatures: 32, outFeatures: 8 },
    1,
    'pixel',
  );
  constructor(readonly backbone: Backbone) {
    super();
  }
  trainableVariables() {
    return this.head.params.trainable();
  }
  allVariables() {
    return variablesByName(this.head.params.variables.values());
  }
  override represent(views: tf.Tensor4D[]): tf.Tensor2D[] {
    return views.map((v) =>
      this.head.apply(tf.reshape(v, [v.shape[0], -1]) as tf.Tensor2D, { training: true }),
    );
  }
  override lossFromRepresentations(z: tf.Tensor2D[]): tf.Scalar {
    return infoNce(z[0], z[1], { temperature: 0.3 });
  }
  loss(views: tf.Tensor4D[]): tf.Scalar {
    return tf.tidy(() => this.lossFromRepresentations(this.represent(views)));
  }
  dispose() {
    this.head.dispose();
    this.backbone.dispose();
  }
}

beforeAll(() => initBackend('wasm', { threads: 1 }));

const ctx = { step: 0, totalSteps: 1 };
const views = () =>
  [1, 2].map((s) => tf.randomUniform([8, 16, 16, 3], 0, 1, 'float32', s) as tf.Tensor4D);

function maxRelativeError(a: Record<string, tf.Tensor>, b: Record<string, tf.Tensor>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let worst = 0;
  for (const name of Object.keys(a)) {
    const x = a[name].dataSync();
    const y = b[name].dataSync();
    let scale = 1e-6;
    for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
  }
  return worst;
}

test('without batch norm, GradCache gives the full-batch gradient (uneven chunks) and frees its tensors', () => {
  const fw = new PixelSimClr(tinyBackbone({ seed: 0 }));
  const v = views();
  const vars = fw.trainableVariables();
  const full = tf.variableGrads(() => fw.loss(v), Object.values(vars));
  const before = tf.memory().numTensors;
  const cached = gradCacheGrads(fw, v, ctx, vars, 3); // chunks of 3, 3, 2
  expect(cached.value.dataSync()[0]).toBeCloseTo(full.value.dataSync()[0], 5);
  expect(maxRelativeError(cached.grads, full.grads)).toBeLessThan(1e-4);
  tf.dispose([cached.value, ...Object.values(cached.grads)]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([full.value, ...Object.values(full.grads), ...v]);
  fw.dispose();
});

test('with batch norm, GradCache equals the gradient of per-chunk BN and updates running stats once per chunk', () => {
  const fw = new TinySimClr(tinyBackbone({ seed: 0 }), 0, 0.5);
  expect(supportsGradCache(fw)).toBe(true);
  const v = views();
  const vars = fw.trainableVariables();
  const frozen = Object.entries(fw.allVariables()).filter(([n]) => !(n in vars));
  const initial = frozen.map(([, x]) => tf.clone(x));
  const chunk = 4;
  // Reference: one tape over the chunk-wise forward (BN statistics per chunk), no caching.
  const reference = tf.variableGrads(() => {
    const parts = [0, chunk].map((s) => fw.represent(v.map((x) => tf.slice(x, [s], [chunk]))));
    const z = [0, 1].map(
      (i) =>
        tf.concat(
          parts.map((p) => p[i]),
          0,
        ) as tf.Tensor2D,
    );
    return fw.lossFromRepresentations(z, ctx);
  }, Object.values(vars));
  const statsAfterReference = frozen.map(([, x]) => Array.from(x.dataSync()));
  frozen.forEach(([, x], i) => x.assign(initial[i]));
  const cached = gradCacheGrads(fw, v, ctx, vars, chunk);
  expect(cached.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 5);
  expect(maxRelativeError(cached.grads, reference.grads)).toBeLessThan(1e-4);
  frozen.forEach(([name, x], i) => {
    const got = Array.from(x.dataSync());
    got.forEach((g, j) => {
      if (Math.abs(g - statsAfterReference[i][j]) > 1e-5)
        throw new Error(`${name}[${j}]: ${g} vs ${statsAfterReference[i][j]}`);
    });
  });
  tf.dispose([
    cached.value,
    reference.value,
    ...Object.values(cached.grads),
    ...Object.values(reference.grads),
    ...v,
    ...initial,
  ]);
  fw.dispose();
});

test('gradCacheGrads rejects a framework without the hooks and a bad chunk size', () => {
  const fw = new PixelSimClr(tinyBackbone({ seed: 0 }));
  const plain = Object.assign(Object.create(Object.getPrototypeOf(Framework.prototype)), fw, {
    represent: undefined,
  });
  const v = views();
  expect(() => gradCacheGrads(plain, v, ctx, fw.trainableVariables(), 2)).toThrow(
    /gradCacheGrads: framework 'pixel' has no represent\/lossFromRepresentations hooks/,
  );
  expect(() => gradCacheGrads(fw, v, ctx, fw.trainableVariables(), 0)).toThrow(
    /gradCacheGrads: chunkSize must be an integer ≥ 1, got 0/,
  );
  tf.dispose(v);
  fw.dispose();
});
