/**
 * Times the wasm conv kernels on the reference network's layer shapes: forward `Conv2D` vs
 * faceclr's `Conv2DBackpropFilter` (dW) and `Conv2DBackpropInput` (dX), at batch 128 (two views
 * of 64 images) and 64x64 input. With `--compare` it also times the alternatives the kernels
 * were chosen over (zero-insertion and per-phase convs for strided dX, the conv route for 1x1
 * dW, and the stock naive wasm dX), checking that each agrees with the kernel.
 *
 * Run (no build needed):
 *   node -r ./scripts/register.js scripts/profile_conv_backprop.ts [--compare] [--reps 3]
 * (FACECLR_THREADS=n picks the XNNPACK thread count, as for training.)
 */
import { initBackend } from '../src/engine/backend';
import { tf } from '../src/engine/tf';
import { subPixelAxis } from '../src/engine/kernels/conv_geometry';

interface Layer {
  name: string;
  /** Input [N, H, W, Cin]. */
  x: [number, number, number, number];
  outChannels: number;
  kernel: number;
  stride: number;
}

const N = 128;
const LAYERS: Layer[] = [
  { name: 'stem 3x3 s2 64²x3→32', x: [N, 64, 64, 3], outChannels: 32, kernel: 3, stride: 2 },
  { name: 'stage1 3x3 32²x32', x: [N, 32, 32, 32], outChannels: 32, kernel: 3, stride: 1 },
  { name: 'down1 3x3 s2 32→64', x: [N, 32, 32, 32], outChannels: 64, kernel: 3, stride: 2 },
  { name: 'short1 1x1 s2 32→64', x: [N, 32, 32, 32], outChannels: 64, kernel: 1, stride: 2 },
  { name: 'stage2 3x3 16²x64', x: [N, 16, 16, 64], outChannels: 64, kernel: 3, stride: 1 },
  { name: 'down2 3x3 s2 64→128', x: [N, 16, 16, 64], outChannels: 128, kernel: 3, stride: 2 },
  { name: 'short2 1x1 s2 64→128', x: [N, 16, 16, 64], outChannels: 128, kernel: 1, stride: 2 },
  { name: 'stage3 3x3 8²x128', x: [N, 8, 8, 128], outChannels: 128, kernel: 3, stride: 1 },
  { name: 'down3 3x3 s2 128→256', x: [N, 8, 8, 128], outChannels: 256, kernel: 3, stride: 2 },
  { name: 'short3 1x1 s2 128→256', x: [N, 8, 8, 128], outChannels: 256, kernel: 1, stride: 2 },
  { name: 'stage4 3x3 4²x256', x: [N, 4, 4, 256], outChannels: 256, kernel: 3, stride: 1 },
];

const args = process.argv.slice(2);
const COMPARE = args.includes('--compare');
const REPS = Number(args[args.indexOf('--reps') + 1]) || 3;

/**
 * Fastest wall time (ms) of `fn` over REPS runs after one warm-up (the minimum is the steadiest
 * estimate on a machine shared with other work); results are disposed.
 */
function time(fn: () => tf.Tensor, reps = REPS): number {
  tf.dispose(fn());
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = fn();
    ms.push(performance.now() - t0);
    out.dispose();
  }
  return Math.min(...ms);
}

function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(a, b)).div(tf.norm(b)).dataSync()[0]);
}

const attrsOf = (l: Layer) => ({
  strides: l.stride,
  pad: 'same' as const,
  dataFormat: 'NHWC' as const,
});

function dW(l: Layer, x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor {
  const filterShape = [l.kernel, l.kernel, l.x[3], l.outChannels];
  return tf
    .engine()
    .runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrsOf(l), filterShape }) as tf.Tensor;
}

function dX(l: Layer, dy: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor {
  return tf
    .engine()
    .runKernel(
      'Conv2DBackpropInput',
      { dy, filter },
      { ...attrsOf(l), inputShape: l.x },
    ) as tf.Tensor;
}

/** 'same' forward padding before the first row, per axis. */
function padBefore(l: Layer): number {
  const out = Math.ceil(l.x[1] / l.stride);
  return Math.floor(Math.max((out - 1) * l.stride + l.kernel - l.x[1], 0) / 2);
}

type Pairs = [number, number][];
type Explicit = [[0, 0], [number, number], [number, number], [0, 0]];
const explicit = (t: number, b: number, l: number, r: number): Explicit => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

/** dX by zero-insertion: dy spread onto the stride grid, then a stride-1 conv (flipped filter). */
function dXZeroInsertion(l: Layer, dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const [n, ho, wo, cout] = dy.shape;
    const s = l.stride;
    const spread = tf
      .pad(
        dy.reshape([n, ho, 1, wo, 1, cout]),
        [0, 0, s - 1, 0, s - 1, 0].map((a) => [0, a]) as Pairs,
      )
      .reshape([n, ho * s, wo * s, cout]) as tf.Tensor4D;
    const flipped = tf.reverse(w, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D;
    const before = l.kernel - 1 - padBefore(l);
    const after = l.x[1] - ho * s - before + l.kernel - 1;
    if (after < 0) throw new Error('dXZeroInsertion: layer needs a crop, not profiled');
    return tf.conv2d(spread, flipped, 1, explicit(before, after, before, after));
  });
}

/** dX by one conv per output phase (exact work, no zero taps), then an interleave. */
function dXPerPhase(l: Layer, dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const a = subPixelAxis({
      size: l.x[1],
      outSize: dy.shape[1],
      kernel: l.kernel,
      stride: l.stride,
      padBefore: padBefore(l),
    });
    const wT = w.transpose([0, 1, 3, 2]); // [kh, kw, Cout, Cin]
    const phases: tf.Tensor[] = [];
    for (let rh = 0; rh < a.phases; rh++) {
      for (let rw = 0; rw < a.phases; rw++) {
        const uh = a.tapIndex[rh].map((i, u) => [i, u]).filter(([i]) => i >= 0);
        const uw = a.tapIndex[rw].map((i, u) => [i, u]).filter(([i]) => i >= 0);
        const rowsOf = tf.gather(
          wT,
          uh.map(([i]) => i),
          0,
        );
        const f = tf.gather(
          rowsOf,
          uw.map(([i]) => i),
          1,
        ) as tf.Tensor4D;
        const ph = (t: number[][]) => [
          a.padBefore - t[0][1],
          a.padAfter - (a.taps - 1 - t[t.length - 1][1]),
        ];
        const [ht, hb] = ph(uh);
        const [wl, wr] = ph(uw);
        phases.push(tf.conv2d(dy, f, 1, explicit(ht, hb, wl, wr)));
      }
    }
    const [n, b, , cin] = phases[0].shape;
    const stacked = tf.stack(phases, 3).reshape([n * b, b, a.phases, a.phases * cin]);
    return stacked.transpose([0, 2, 1, 3]).reshape(l.x);
  });
}

/** dW of a 1x1 conv by the general conv route (x channels-as-batch, dy as dilated filter). */
function dWConvRoute(l: Layer, x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const s = l.stride;
    const keep = [(dy.shape[1] - 1) * s + 1, (dy.shape[2] - 1) * s + 1];
    const xT = x.slice([0, 0, 0, 0], [-1, ...keep, -1]).transpose<tf.Tensor4D>([3, 1, 2, 0]);
    const dyT = dy.transpose<tf.Tensor4D>([1, 2, 0, 3]);
    return tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', s).transpose([1, 2, 0, 3]);
  });
}

async function main(): Promise<void> {
  require('@tensorflow/tfjs-backend-wasm'); // registers the stock kernels, so we can keep one
  const stock = tf.getKernel('Conv2DBackpropInput', 'wasm');
  const info = await initBackend('wasm');
  const backend = tf.backend();
  stock?.setupFunc?.(backend);
  const stockDX = (l: Layer, dy: tf.Tensor4D, filter: tf.Tensor4D) => {
    const info = stock!.kernelFunc({
      inputs: { dy, filter },
      backend,
      attrs: { ...attrsOf(l), inputShape: l.x },
    }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info);
  };
  console.log(`wasm, ${info.threads} thread(s), batch ${N}, best of ${REPS} (ms)`);
  const row = (name: string, t: number[]) =>
    console.log(
      name.padEnd(24) +
        t.map((v) => v.toFixed(1).padStart(8)).join('') +
        `  ${((t[1] + t[2]) / t[0]).toFixed(2)}`,
    );
  console.log(
    'layer'.padEnd(24) + ['fwd', 'dW', 'dX'].map((h) => h.padStart(8)).join('') + '  (dW+dX)/fwd',
  );
  const total = { fwd: 0, dW: 0, dX: 0 };
  const notes: string[] = [];
  let stemDX = 0;
  for (const l of LAYERS) {
    const x = tf.randomNormal(l.x) as tf.Tensor4D;
    const w = tf.randomNormal([l.kernel, l.kernel, l.x[3], l.outChannels], 0, 0.1) as tf.Tensor4D;
    const y = tf.conv2d(x, w, l.stride, 'same');
    const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
    const fwd = time(() => tf.conv2d(x, w, l.stride, 'same'));
    const tdw = time(() => dW(l, x, dy));
    const tdx = time(() => dX(l, dy, w));
    total.fwd += fwd;
    total.dW += tdw;
    total.dX += tdx;
    if (l === LAYERS[0]) stemDX = tdx;
    row(l.name, [fwd, tdw, tdx]);
    if (COMPARE) {
      const ours = dX(l, dy, w);
      const alt = (label: string, fn: () => tf.Tensor, reference: tf.Tensor, reps = REPS) => {
        const out = fn();
        const err = relErr(out, reference);
        out.dispose();
        notes.push(
          `${l.name.padEnd(24)} ${label.padEnd(22)} ${time(fn, reps).toFixed(1).padStart(8)} ms  rel err ${err.toExponential(1)}`,
        );
      };
      if (l.kernel > 1 && l.stride > 1) {
        alt('dX zero-insertion', () => dXZeroInsertion(l, dy, w), ours);
        alt('dX per-phase convs', () => dXPerPhase(l, dy, w), ours);
      }
      if (l.kernel === 1) {
        const ref = dW(l, x, dy);
        alt('dW 1x1 by conv route', () => dWConvRoute(l, x, dy), ref);
        ref.dispose();
      }
      if (stock && l.name.startsWith('stage1'))
        alt('dX stock naive wasm', () => stockDX(l, dy, w), ours, 1);
      ours.dispose();
    }
    tf.dispose([x, w, y, dy]);
  }
  row('total', [total.fwd, total.dW, total.dX]);
  const train = total.dW + total.dX - stemDX;
  console.log(
    `training backward (no stem dX, its input is the image): ${(train / total.fwd).toFixed(2)}x fwd`,
  );
  for (const line of notes) console.log(line);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
