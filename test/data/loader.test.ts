import { DataError, DataLoader, batchToTensor, type Batch, type BatchReader } from '../../src/data';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';

/** An in-memory reader: image i is filled with the byte i, label = i % classes; counts reads. */
class FakeReader implements BatchReader {
  readonly size = 2;
  readonly imageBytes = 12;
  readonly labels?: Int32Array;
  reads = 0;
  constructor(
    readonly count: number,
    classes?: number,
  ) {
    if (classes) this.labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  }
  async readBatch(indices: ArrayLike<number>): Promise<Uint8Array> {
    this.reads++;
    const out = new Uint8Array(indices.length * this.imageBytes);
    for (let k = 0; k < indices.length; k++) out.fill(indices[k], k * 12, (k + 1) * 12);
    return out;
  }
}

async function collect(iterable: AsyncIterable<Batch>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const batch of iterable) out.push(Array.from(batch.indices));
  return out;
}

describe('DataLoader', () => {
  it('is deterministic for a seed, reshuffles every epoch and covers every image once', async () => {
    const plans = async (seed: number): Promise<number[][]> =>
      collect(new DataLoader(new FakeReader(10), { batchSize: 4, seed }).batches(2));
    const a = await plans(1);
    expect(await plans(1)).toEqual(a);
    expect(await plans(2)).not.toEqual(a);
    expect(a.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2]);
    expect(
      a
        .slice(0, 3)
        .flat()
        .sort((x, y) => x - y),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.slice(0, 3).flat()).not.toEqual(a.slice(3).flat());
  });

  it('assembles images and labels of the planned indices', async () => {
    const loader = new DataLoader(new FakeReader(6, 3), { batchSize: 3, seed: 0 });
    for await (const batch of loader) {
      expect(batch.images).toHaveLength(3 * 12);
      batch.indices.forEach((i, k) => {
        expect(batch.images[k * 12 + 5]).toBe(i);
        expect(batch.labels![k]).toBe(i % 3);
      });
    }
  });

  it('drops the last smaller batch with dropLast, and refuses an epoch with no batch', async () => {
    const loader = new DataLoader(new FakeReader(10), {
      batchSize: 4,
      seed: 0,
      dropLast: true,
      shuffle: false,
    });
    expect(await collect(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(
      () => new DataLoader(new FakeReader(3), { batchSize: 4, seed: 0, dropLast: true }),
    ).toThrow(/an epoch has no batch/);
    expect(() => new DataLoader(new FakeReader(3), { batchSize: 0, seed: 0 })).toThrow(
      /DataLoader: options.batchSize must be a positive integer, got 0/,
    );
  });

  it('balances classes: m images of each of batchSize/m distinct identities', async () => {
    const reader = new FakeReader(60, 6); // 6 identities x 10 images
    const loader = new DataLoader(reader, {
      batchSize: 8,
      seed: 3,
      balanced: { imagesPerIdentity: 2 },
      dropLast: true,
    });
    const batches = await collect(loader);
    expect(batches.length).toBeGreaterThanOrEqual(6);
    for (const batch of batches) {
      const counts = new Map<number, number>();
      for (const i of batch) counts.set(i % 6, (counts.get(i % 6) ?? 0) + 1);
      expect([...counts.values()]).toEqual([2, 2, 2, 2]);
    }
    expect(
      () =>
        new DataLoader(new FakeReader(6), {
          batchSize: 4,
          seed: 0,
          balanced: { imagesPerIdentity: 2 },
        }),
    ).toThrow(/needs a labeled dataset/);
    expect(
      () => new DataLoader(reader, { batchSize: 7, seed: 0, balanced: { imagesPerIdentity: 2 } }),
    ).toThrow(DataError);
    expect(
      () => new DataLoader(reader, { batchSize: 16, seed: 0, balanced: { imagesPerIdentity: 2 } }),
    ).toThrow(/needs 8 identities, the data has 6/);
  });

  it('prefetches: the next batches are being read before the current one is consumed', async () => {
    const reader = new FakeReader(40);
    const loader = new DataLoader(reader, { batchSize: 4, seed: 0, prefetch: 2 });
    const iterator = loader.epochBatches();
    await iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.reads).toBe(3); // batch 0 plus 2 ahead
    await iterator.return(undefined);
    const none = new FakeReader(40);
    const plain = new DataLoader(none, { batchSize: 4, seed: 0, prefetch: 0 }).epochBatches();
    await plain.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(none.reads).toBe(1);
  });

  it('resumes from an exported state exactly, mid-epoch and across epochs', async () => {
    const options = { batchSize: 3, seed: 'resume' };
    const full = await collect(new DataLoader(new FakeReader(10), options).batches(3));
    for (const stopAfter of [2, 4, 5]) {
      const first = new DataLoader(new FakeReader(10), options);
      const seen: number[][] = [];
      for await (const batch of first.batches(3)) {
        seen.push(Array.from(batch.indices));
        if (seen.length === stopAfter) break;
      }
      const state = JSON.parse(JSON.stringify(first.state()));
      const resumed = new DataLoader(new FakeReader(10), options, state);
      seen.push(...(await collect(resumed.batches(3 - state.epoch))));
      expect(seen).toEqual(full);
    }
    expect(
      () =>
        new DataLoader(
          new FakeReader(10),
          { ...options, seed: 'other' },
          new DataLoader(new FakeReader(10), options).state(),
        ),
    ).toThrow(/state.seed/);
  });

  it('turns a batch into a float32 [B,S,S,3] tensor in [0,1] without leaking tensors', async () => {
    await initBackend('wasm');
    const loader = new DataLoader(new FakeReader(5), { batchSize: 5, seed: 0, shuffle: false });
    const before = tf.memory().numTensors;
    for await (const batch of loader) {
      const x = batchToTensor(batch);
      expect(x.shape).toEqual([5, 2, 2, 3]);
      expect(x.dtype).toBe('float32');
      const values = await x.data();
      expect(values[12]).toBeCloseTo(1 / 255, 6);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      x.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
