/**
 * One gradient step of every backbone on wasm: finite, non-zero gradients for every trainable
 * variable, equal to the cpu backend's (tiny inputs: 4 images of 32×32, width 0.125; 0.0625 for resnet50 and
 * ir18). The cpu
 * backend is slow, so by default only one backbone per block type is compared (basic, bottleneck,
 * IR unit, MobileFaceNet bottleneck); FACECLR_SLOW_TESTS=1 compares all of them.
 */
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { Backbone } from '../../src/models/backbone';
import { BACKBONE_NAMES, BACKBONES, BackboneName } from '../../src/models/registry';
import { relativeL2, runOn, seededValues } from '../helpers/compare';

const N = 4;
const SIZE = 32;
const COMPARED: readonly BackboneName[] = process.env.FACECLR_SLOW_TESTS
  ? BACKBONE_NAMES
  : ['resnet18-narrow', 'resnet50', 'ir18', 'mobilefacenet'];

/**
 * Betas whose per-channel shift is removed exactly by a later training-mode batch norm (through
 * additions and 1×1 convs only), so their training-mode gradient is analytically zero: IR-ResNet's
 * residual-branch and shortcut output BNs (the next unit starts with a BN), MobileFaceNet's linear
 * projections and GDConv (a 1×1 conv + BN follows), IR's output BN (FC + BN follow).
 */
function shiftRemoved(name: BackboneName): RegExp {
  if (name.startsWith('ir')) return /(bn3|shortcut\/bn|output\/bn)\/beta$/;
  if (name === 'mobilefacenet') return /(project\/bn|gdconv\/bn)\/beta$/;
  return /^$/;
}

/**
 * The backbone with its batch-norm γ/β and PReLU α moved off their initial values (1, 0, 0.25):
 * at β = 0 some gradients vanish exactly (a γ followed by PReLU, a depthwise conv and a batch
 * norm is scale-invariant), which would hide errors.
 */
function build(name: BackboneName): Backbone {
  const width = name === 'resnet50' || name === 'ir18' ? 0.0625 : 0.125;
  const backbone = BACKBONES[name]({ seed: 3, width, inputSize: SIZE });
  let seed = 100;
  for (const [variable, v] of Object.entries(backbone.params.trainable())) {
    const offset = /\/gamma$/.test(variable) ? 1 : /\/alpha$/.test(variable) ? 0.25 : 0;
    if (!/\/(gamma|beta|alpha)$/.test(variable)) continue;
    const noise = seededValues(v.size, seed++).map((u) => offset + 0.2 * u);
    tf.tidy(() => v.assign(tf.tensor(noise, v.shape)));
  }
  return backbone;
}

/** Gradients of Σ y·R (fixed random R) w.r.t. every trainable variable, in sorted name order. */
function gradients(name: BackboneName, training: boolean): () => tf.Tensor[] {
  return () => {
    const backbone = build(name);
    const images = tf.tensor4d(seededValues(N * SIZE * SIZE * 3, 11), [N, SIZE, SIZE, 3]);
    const r = tf.tensor2d(seededValues(N * backbone.embeddingSize, 12), [
      N,
      backbone.embeddingSize,
    ]);
    const vars = backbone.params.trainable();
    const names = Object.keys(vars).sort();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(backbone.apply(images, { training }), r)) as tf.Scalar,
      names.map((n) => vars[n]),
    );
    const out = names.map((n) => grads[vars[n].name]);
    value.dispose();
    backbone.dispose();
    return out;
  };
}

function norm(values: Float32Array): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0));
}

describe('backbone gradients on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(BACKBONE_NAMES)(
    '%s: finite, non-zero gradients on wasm (equal to cpu, ≤ 1e-4, where compared)',
    async (name) => {
      const names = (() => {
        const b = build(name);
        const list = Object.keys(b.params.trainable()).sort();
        b.dispose();
        return list;
      })();
      const wasm = await runOn('wasm', gradients(name, true));
      const cpu = COMPARED.includes(name) ? await runOn('cpu', gradients(name, true)) : undefined;
      await tf.setBackend('wasm');
      const scale = Math.max(...wasm.map((g) => norm(g.values)));
      const worst: [string, number][] = [];
      names.forEach((variable, i) => {
        const g = wasm[i].values;
        expect(g.every(Number.isFinite)).toBe(true);
        if (shiftRemoved(name).test(variable)) {
          // Analytically zero in training mode: only rounding noise, on both backends.
          expect(norm(g) / scale).toBeLessThan(1e-5);
          if (cpu) expect(norm(cpu[i].values) / scale).toBeLessThan(1e-5);
          return;
        }
        expect(norm(g)).toBeGreaterThan(0);
        if (cpu) worst.push([variable, relativeL2(g, cpu[i].values)]);
      });
      if (!cpu) return;
      worst.sort((a, b) => b[1] - a[1]);
      if (process.env.DEBUG_GRADS)
        console.log(
          worst
            .slice(0, 8)
            .map(([v, e]) => `${v} ${e} ${norm(wasm[names.indexOf(v)].values) / scale}`)
            .join('\n'),
        );
      console.log(
        `${name}: ${names.length} trainable variables; largest wasm-vs-cpu relative error ${worst[0][1].toExponential(2)} (${worst[0][0]})`,
      );
      for (const [variable, error] of worst) {
        if (error > 1e-4)
          throw new Error(`${name}: ${variable} wasm vs cpu relative error ${error}`);
      }
    },
  );

  it.each(['ir18', 'mobilefacenet'] as const)(
    '%s: the shift-removed betas do get gradients in inference mode',
    async (name) => {
      const names = (() => {
        const b = build(name);
        const list = Object.keys(b.params.trainable()).sort();
        b.dispose();
        return list;
      })();
      const grads = await runOn('wasm', gradients(name, false));
      const removed = names.filter((n) => shiftRemoved(name).test(n));
      expect(removed.length).toBeGreaterThan(0);
      for (const n of removed) expect(norm(grads[names.indexOf(n)].values)).toBeGreaterThan(0);
    },
  );
});
