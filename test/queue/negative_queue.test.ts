import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { NegativeQueue } from '../../src/queue/negative_queue';

/** Rows [B, D] whose first column holds the given ids (other columns 0), unnormalised queue. */
const rows = (ids: number[], dim = 2) =>
  tf.tensor2d(ids.map((id) => [id, ...Array(dim - 1).fill(0)]));
const ids = (queue: NegativeQueue) => {
  const t = queue.read();
  const out = (t.arraySync() as number[][]).map((r) => r[0]);
  t.dispose();
  return out;
};
/** Pushes ids through `queue` with `enqueue` and disposes the batch. */
const push = (queue: NegativeQueue, batch: number[]) => {
  const t = rows(batch, queue.dim);
  queue.enqueue(t);
  t.dispose();
};
/** What sequential FIFO writes leave in each slot. */
const model = (size: number, batches: number[][]) => {
  const slots: number[] = [];
  let pointer = 0;
  for (const id of batches.flat()) {
    slots[pointer] = id;
    pointer = (pointer + 1) % size;
  }
  return { slots, pointer };
};

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(['wasm', 'cpu'] as const)('NegativeQueue on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('starts empty: read() is [0, D]', () => {
    const queue = new NegativeQueue(5, 3, { normalize: false });
    const t = queue.read();
    expect(t.shape).toEqual([0, 3]);
    expect([queue.count, queue.pointer, queue.isFull]).toEqual([0, 0, false]);
    t.dispose();
    queue.dispose();
  });

  it('first fill: read() returns only the filled rows, in order', () => {
    const queue = new NegativeQueue(5, 2, { normalize: false });
    push(queue, [1, 2]);
    expect(ids(queue)).toEqual([1, 2]);
    push(queue, [3, 4]);
    expect(ids(queue)).toEqual([1, 2, 3, 4]);
    expect([queue.count, queue.pointer]).toEqual([4, 4]);
    queue.dispose();
  });

  it('wraps around with partial batches (B does not divide K)', () => {
    const queue = new NegativeQueue(5, 2, { normalize: false });
    const batches = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
    ];
    for (let b = 0; b < batches.length; b++) {
      push(queue, batches[b]);
      const expected = model(5, batches.slice(0, b + 1));
      expect(queue.pointer).toBe(expected.pointer);
      expect(ids(queue)).toEqual(expected.slots);
    }
    expect(ids(queue)).toEqual([11, 12, 8, 9, 10]); // 12 rows written: slots hold the last 5
    expect(queue.isFull).toBe(true);
  });

  it('a batch larger than the remaining slots splits across the end', () => {
    const queue = new NegativeQueue(4, 2, { normalize: false });
    push(queue, [1, 2, 3]);
    push(queue, [4, 5, 6]); // slots 3, 0, 1
    expect(ids(queue)).toEqual([5, 6, 3, 4]);
    expect([queue.pointer, queue.count]).toEqual([2, 4]);
    queue.dispose();
  });

  it('a batch of exactly K replaces everything and keeps the pointer', () => {
    const queue = new NegativeQueue(4, 2, { normalize: false });
    push(queue, [1]);
    push(queue, [10, 11, 12, 13]);
    expect(ids(queue)).toEqual(model(4, [[1], [10, 11, 12, 13]]).slots);
    expect([queue.pointer, queue.count]).toEqual([1, 4]);
    queue.dispose();
  });

  it('a batch larger than K keeps its last K rows, as sequential writes would', () => {
    const queue = new NegativeQueue(4, 2, { normalize: false });
    push(queue, [1, 2, 3]);
    const big = [10, 11, 12, 13, 14, 15, 16];
    push(queue, big);
    const expected = model(4, [[1, 2, 3], big]);
    expect(ids(queue)).toEqual(expected.slots);
    expect(queue.pointer).toBe(expected.pointer);
    expect(new Set(ids(queue))).toEqual(new Set([13, 14, 15, 16]));
    const fresh = new NegativeQueue(3, 2, { normalize: false });
    push(fresh, [1, 2, 3, 4, 5]); // from empty
    expect(ids(fresh)).toEqual(model(3, [[1, 2, 3, 4, 5]]).slots);
    expect([fresh.count, fresh.pointer]).toEqual([3, 2]);
    queue.dispose();
    fresh.dispose();
  });

  it('normalises rows by default and stores them detached', () => {
    const queue = new NegativeQueue(3, 2);
    const x = tf.tensor2d([[3, 4]]);
    const g = tf.grad((v: tf.Tensor) => {
      queue.enqueue(v as tf.Tensor2D);
      return tf.sum(v);
    })(x);
    const stored = queue.read();
    expect(stored.arraySync()).toEqual([[expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]]);
    tf.dispose([x, g, stored]);
    queue.dispose();
  });

  it('state() and restore() round-trip values, pointer and count', () => {
    const queue = new NegativeQueue(4, 2, { normalize: false });
    push(queue, [1, 2, 3, 4, 5]);
    const saved = queue.state();
    expect([saved.pointer, saved.count, saved.values.length]).toEqual([1, 4, 8]);
    const copy = new NegativeQueue(4, 2, { normalize: false });
    copy.restore(saved);
    push(queue, [6]);
    push(copy, [6]);
    expect(ids(copy)).toEqual(ids(queue));
    expect([copy.pointer, copy.count]).toEqual([queue.pointer, queue.count]);
    const partial = new NegativeQueue(4, 2, { normalize: false });
    push(partial, [9]);
    copy.restore(partial.state());
    expect(ids(copy)).toEqual([9]);
    for (const q of [queue, copy, partial]) q.dispose();
  });

  it('frees its tensors: no leaks across enqueue/read, and dispose() releases storage', () => {
    const before = tf.memory().numTensors;
    const queue = new NegativeQueue(6, 3);
    expect(tf.memory().numTensors).toBe(before + 1);
    for (let i = 0; i < 5; i++) push(queue, [i, i + 1, i + 2, i + 3]);
    tf.tidy(() => queue.enqueue(tf.ones([2, 3]) as tf.Tensor2D)); // storage survives an enclosing tidy
    expect(ids(queue).filter((id) => Math.abs(id - 1 / Math.sqrt(3)) < 1e-6)).toHaveLength(2);
    tf.tidy(() => {
      queue.read();
    });
    queue.restore(queue.state());
    expect(tf.memory().numTensors).toBe(before + 1);
    queue.dispose();
    queue.dispose(); // idempotent
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('NegativeQueue errors', () => {
  it('name the method and argument', () => {
    expect(() => new NegativeQueue(0, 4)).toThrow(
      /^NegativeQueue: size must be an integer >= 1, got 0/,
    );
    expect(() => new NegativeQueue(4, 2.5)).toThrow(
      /^NegativeQueue: dim must be an integer >= 1, got 2\.5/,
    );
    const queue = new NegativeQueue(4, 2);
    const wrong = tf.ones([3, 5]) as tf.Tensor2D;
    expect(() => queue.enqueue(wrong)).toThrow(
      /^NegativeQueue\.enqueue: keys must be float32 of shape \[batch >= 1, 2\], got float32 \[3,5\]/,
    );
    const state = queue.state();
    expect(() => queue.restore({ ...state, dim: 3 })).toThrow(
      /^NegativeQueue\.restore: state\.size x state\.dim must be 4 x 2, got 4 x 3/,
    );
    expect(() => queue.restore({ ...state, count: 2, pointer: 3 })).toThrow(
      /^NegativeQueue\.restore: state\.pointer must be 2/,
    );
    expect(() => queue.restore({ ...state, count: 5 })).toThrow(
      /^NegativeQueue\.restore: state\.count must be an integer in \[0, 4\], got 5/,
    );
    expect(() => queue.restore({ ...state, values: new Float32Array(3) })).toThrow(
      /^NegativeQueue\.restore: state\.values must hold 8 numbers, got 3/,
    );
    queue.dispose();
    expect(() => queue.read()).toThrow(/^NegativeQueue\.read: the queue has been disposed/);
    expect(() => queue.enqueue(wrong)).toThrow(
      /^NegativeQueue\.enqueue: the queue has been disposed/,
    );
    wrong.dispose();
  });
});
