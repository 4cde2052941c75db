import { initBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { conv2dBackpropFilterConfig } from '../../../src/engine/kernels/conv2d_backprop_filter';
import { conv2dBackpropInputConfig } from '../../../src/engine/kernels/conv2d_backprop_input';
import { relativeL2, runOn, seededValues } from '../../helpers/compare';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface Case {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number | [number, number];
  pad: Pad;
}

const c = (
  batch: number,
  [height, width]: [number, number],
  [inChannels, outChannels]: [number, number],
  kernel: number,
  stride: Case['stride'],
  pad: Pad,
): Case => ({ batch, height, width, inChannels, outChannels, kernel, stride, pad });

const CASES: Case[] = [
  // 1x1 (matMul paths), strides 1 and 2, odd and even sizes
  c(1, [6, 6], [3, 5], 1, 1, 'same'),
  c(2, [7, 5], [4, 3], 1, 2, 'same'),
  c(3, [8, 8], [2, 6], 1, 2, 'valid'),
  c(2, [5, 6], [3, 4], 1, 2, [
    [0, 0],
    [1, 0],
    [0, 1],
    [0, 0],
  ]),
  // 3x3
  c(1, [5, 5], [2, 3], 3, 1, 'same'),
  c(2, [8, 7], [4, 5], 3, 1, 'valid'),
  c(2, [8, 8], [3, 4], 3, 2, 'same'),
  c(3, [9, 9], [4, 2], 3, 2, 'same'),
  c(2, [9, 8], [3, 3], 3, 2, 'valid'),
  c(2, [10, 9], [2, 4], 3, 2, [
    [0, 0],
    [1, 1],
    [0, 2],
    [0, 0],
  ]),
  c(1, [7, 7], [3, 3], 3, 1, [
    [0, 0],
    [2, 0],
    [1, 2],
    [0, 0],
  ]),
  c(2, [6, 9], [2, 3], 3, [1, 2], 'same'),
  c(2, [7, 7], [3, 2], 3, 2, 1),
  // batches and widths that reach every unrolled path of fast_transpose.ts (16, 8, 4, 1 rows)
  c(29, [6, 6], [3, 4], 3, 1, 'same'),
  c(29, [9, 8], [3, 3], 3, 2, 'valid'),
  c(19, [7, 5], [4, 3], 1, 2, 'same'),
  c(2, [34, 29], [3, 2], 1, 2, 'same'),
  // 5x5 and 7x7
  c(2, [9, 9], [3, 4], 5, 1, 'same'),
  c(1, [12, 11], [2, 3], 5, 2, 'same'),
  c(2, [11, 10], [3, 2], 5, 2, 'valid'),
  c(2, [10, 10], [3, 4], 7, 1, 'same'),
  c(2, [12, 12], [3, 8], 7, 2, 'same'),
  c(1, [11, 12], [2, 3], 7, 2, [
    [0, 0],
    [3, 2],
    [2, 3],
    [0, 0],
  ]),
];

function label(k: Case): string {
  return `N${k.batch} ${k.height}x${k.width}x${k.inChannels}→${k.outChannels} k${k.kernel} s${k.stride} pad ${JSON.stringify(k.pad)}`;
}

/** dL/dx and dL/dw of L = Σ conv2d(x, w) ⊙ dyWeights, with seeded inputs. */
function grads(k: Case): tf.Tensor[] {
  const x = tf.tensor4d(seededValues(k.batch * k.height * k.width * k.inChannels, 11), [
    k.batch,
    k.height,
    k.width,
    k.inChannels,
  ]);
  const wShape: [number, number, number, number] = [
    k.kernel,
    k.kernel,
    k.inChannels,
    k.outChannels,
  ];
  const w = tf.tensor4d(
    seededValues(
      wShape.reduce((a, b) => a * b),
      23,
    ),
    wShape,
  );
  const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, k.stride, k.pad);
  const y = conv(x, w);
  const dy = tf.tensor(seededValues(y.size, 37), y.shape);
  return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    conv(a as tf.Tensor4D, b as tf.Tensor4D)
      .mul(dy)
      .sum(),
  )([x, w]);
}

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('replaces the stock wasm kernels after initBackend', () => {
    for (const config of [conv2dBackpropFilterConfig, conv2dBackpropInputConfig]) {
      expect(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc).toBe(config.kernelFunc);
    }
  });

  it.each(CASES.map((k) => [label(k), k] as const))('matches the cpu backend: %s', async (_, k) => {
    const [dxWasm, dwWasm] = await runOn('wasm', () => grads(k));
    const [dxCpu, dwCpu] = await runOn('cpu', () => grads(k));
    expect(dxWasm.shape).toEqual(dxCpu.shape);
    expect(dwWasm.shape).toEqual(dwCpu.shape);
    // XNNPACK f32 convs are direct (no Winograd): float32 summation order only.
    expect(relativeL2(dxWasm.values, dxCpu.values)).toBeLessThanOrEqual(1e-5);
    expect(relativeL2(dwWasm.values, dwCpu.values)).toBeLessThanOrEqual(1e-5);
  });

  it('rejects NCHW data, naming the kernel and argument', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] };
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs)).toThrow(
      /Conv2DBackpropFilter \(wasm\): dataFormat must be 'NHWC', got 'NCHW'/,
    );
    tf.dispose([x, dy]);
  });

  it('rejects a dy that is not the forward output shape', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 4, 4, 3]);
    const filter = tf.zeros([3, 3, 2, 3]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 5, 5, 2] };
    expect(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs)).toThrow(
      /Conv2DBackpropInput \(wasm\): dy must have shape \[1,5,5,3\], got \[1,4,4,3\]/,
    );
    tf.dispose([dy, filter]);
  });

  it('leaks no tensors and frees every intermediate on the wasm heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const cases = [CASES[1], CASES[6], CASES[9], CASES[14]];
    const step = () => tf.dispose(tf.tidy(() => cases.flatMap(grads)));
    step(); // warm-up
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const dataIds = backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(backend.numDataIds()).toBe(dataIds);
  });
});
