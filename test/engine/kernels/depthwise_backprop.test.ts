import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { relativeL2, runOn, seededValues } from '../../helpers/compare';

type Pad =
  'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  batch: number;
  height: number;
  width: number;
  channels: number;
  multiplier: number;
  kernel: number;
  stride: number;
  pad: Pad;
}

const EXPLICIT: Pad = [
  [0, 0],
  [1, 2],
  [2, 0],
  [0, 0],
];

/** Every combination of multiplier, stride, kernel and padding, with odd and even sizes. */
function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const multiplier of [1, 2]) {
    for (const stride of [1, 2]) {
      for (const kernel of [1, 3, 5, 7]) {
        for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) {
          const batch = i % 2 === 0 ? 2 : 1;
          // alternate which side is odd; valid padding needs sizes >= kernel
          const height = kernel + (i % 2 === 0 ? 2 : 3);
          const width = kernel + (i % 2 === 0 ? 1 : 0) + (i % 3);
          out.push({ batch, height, width, channels: 3, multiplier, kernel, stride, pad });
          i++;
        }
      }
    }
  }
  return out;
}

/** Gradients of sum(depthwiseConv2d(x, f) * r) w.r.t. x and f, with seeded x, f and r. */
function gradients(c: Case, fused = false): () => tf.Tensor[] {
  return () => {
    const xShape = [c.batch, c.height, c.width, c.channels];
    const fShape = [c.kernel, c.kernel, c.channels, c.multiplier];
    const x = tf.tensor4d(
      seededValues(
        xShape.reduce((a, b) => a * b),
        11,
      ),
      xShape as never,
    );
    const f = tf.tensor4d(
      seededValues(
        fShape.reduce((a, b) => a * b),
        23,
      ),
      fShape as never,
    );
    const forward = (xi: tf.Tensor4D, fi: tf.Tensor4D): tf.Tensor4D =>
      fused
        ? tf.fused.depthwiseConv2d({
            x: xi,
            filter: fi,
            strides: c.stride,
            pad: c.pad as 'same',
            activation: 'relu',
          })
        : tf.depthwiseConv2d(xi, fi, c.stride, c.pad);
    const yShape = tf.tidy(() => forward(x, f).shape);
    const r = tf.tensor(
      seededValues(
        yShape.reduce((a, b) => a * b),
        37,
      ),
      yShape,
    );
    const grad = tf.grads((xi: tf.Tensor, fi: tf.Tensor) =>
      tf.sum(tf.mul(forward(xi as tf.Tensor4D, fi as tf.Tensor4D), r)),
    );
    return grad([x, f]);
  };
}

function label(c: Case): string {
  const pad = Array.isArray(c.pad) ? 'explicit' : c.pad;
  return `k${c.kernel} s${c.stride} m${c.multiplier} ${pad} x[${c.batch},${c.height},${c.width},${c.channels}]`;
}

describe('depthwise conv backprop kernels on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  let worst = 0;
  afterAll(() => {
    process.stdout.write(`depthwise backprop: max relative L2 error ${worst.toExponential(2)}\n`);
  });

  it.each(cases().map((c) => [label(c), c] as const))('matches cpu: %s', async (_name, c) => {
    const wasm = await runOn('wasm', gradients(c));
    const cpu = await runOn('cpu', gradients(c));
    for (let i = 0; i < 2; i++) {
      expect(wasm[i].shape).toEqual(cpu[i].shape);
      const error = relativeL2(wasm[i].values, cpu[i].values);
      worst = Math.max(worst, error);
      expect(error).toBeLessThanOrEqual(1e-5);
    }
  });

  it('matches cpu through fused depthwise conv with relu', async () => {
    const c: Case = {
      batch: 2,
      height: 6,
      width: 5,
      channels: 4,
      multiplier: 2,
      kernel: 3,
      stride: 2,
      pad: 'same',
    };
    const wasm = await runOn('wasm', gradients(c, true));
    const cpu = await runOn('cpu', gradients(c, true));
    for (let i = 0; i < 2; i++)
      expect(relativeL2(wasm[i].values, cpu[i].values)).toBeLessThanOrEqual(1e-5);
  });

  it('frees every wasm intermediate (tensors and heap data ids)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const c: Case = {
      batch: 2,
      height: 7,
      width: 6,
      channels: 3,
      multiplier: 2,
      kernel: 3,
      stride: 2,
      pad: 'same',
    };
    tf.dispose(tf.tidy(gradients(c))); // warm-up
    const tensors = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(gradients(c)));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
  });

  it('rejects dilations other than 1, naming the kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 2]);
    const f = tf.zeros([3, 3, 2, 1]);
    const attrs = { strides: 1, pad: 'same', dilations: 2 };
    expect(() =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { ...attrs, filterShape: [3, 3, 2, 1] },
        ),
    ).toThrow(/DepthwiseConv2dNativeBackpropFilter: dilations must be 1/);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: f },
          { ...attrs, inputShape: [1, 5, 5, 2] },
        ),
    ).toThrow(/DepthwiseConv2dNativeBackpropInput: dilations must be 1/);
    expect(() =>
      tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy: tf.zeros([1, 4, 4, 2]) },
        {
          strides: 1,
          pad: 'same',
          filterShape: [3, 3, 2, 1],
        },
      ),
    ).toThrow(/DepthwiseConv2dNativeBackpropFilter: dy must have shape \[1,5,5,2\]/);
    tf.disposeVariables();
    tf.dispose([x, dy, f]);
  });
});
