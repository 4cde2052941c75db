/**
 * Batch plans for one epoch: which cache indices go into which batch. Pure functions of an `Rng`,
 * so a saved generator state replays an epoch exactly.
 *
 * - `sequentialPlan`: a (shuffled) permutation cut into batches of `batchSize`.
 * - `balancedPlan`: class-balanced "P×K" batches of `batchSize / m` distinct identities with `m`
 *   images each (FaceNet's batches; pytorch-metric-learning's `MPerClassSampler`).
 */
import type { Rng } from '../util/random';
import { DataError } from './errors';

/**
 * Cuts `0..count-1` (shuffled when `shuffle`) into batches; the last, smaller batch is dropped
 * when `dropLast`.
 */
export function sequentialPlan(
  count: number,
  batchSize: number,
  rng: Rng,
  options: { shuffle: boolean; dropLast: boolean },
): Int32Array[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (options.shuffle) rng.shuffle(order);
  const plan: Int32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    if (options.dropLast && start + batchSize > count) break;
    plan.push(Int32Array.from(order.slice(start, start + batchSize)));
  }
  return plan;
}

/** Splits one identity's shuffled images into chunks of `m`, topping up the last from the same identity. */
function identityChunks(images: number[], m: number, rng: Rng): number[][] {
  const shuffled = rng.shuffle([...images]);
  const chunks: number[][] = [];
  for (let start = 0; start < shuffled.length; start += m) {
    const chunk = shuffled.slice(start, start + m);
    // Too few left: draw from the identity's other images (with repeats when it has fewer than m).
    while (chunk.length < m) chunk.push(shuffled[rng.int(shuffled.length)]);
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * Class-balanced batches: each holds `batchSize / m` distinct identities with `m` images each.
 * Every image is used about once per epoch: each identity's images are shuffled and cut into
 * chunks of `m` (an identity with fewer than `m` images repeats some), and in rounds the identities
 * with chunks left are shuffled and grouped. The epoch ends when fewer than `batchSize / m`
 * identities have chunks left; without `dropLast` those form one last, smaller batch.
 *
 * @throws DataError when `batchSize` is not a multiple of `m` or there are too few identities.
 */
export function balancedPlan(
  labels: ArrayLike<number>,
  batchSize: number,
  m: number,
  rng: Rng,
  options: { dropLast: boolean },
): Int32Array[] {
  const fn = 'balancedPlan';
  if (!Number.isInteger(m) || m < 1 || batchSize % m !== 0) {
    throw new DataError(
      `${fn}: batchSize (${batchSize}) must be a multiple of imagesPerIdentity, got ${m}`,
    );
  }
  const perBatch = batchSize / m;
  const byIdentity = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byIdentity.get(labels[i]);
    if (list) list.push(i);
    else byIdentity.set(labels[i], [i]);
  }
  if (byIdentity.size < perBatch) {
    throw new DataError(
      `${fn}: batchSize ${batchSize} with imagesPerIdentity ${m} needs ${perBatch} identities, the data has ${byIdentity.size}`,
    );
  }
  const identities = [...byIdentity.keys()].sort((a, b) => a - b);
  const queues = new Map(identities.map((id) => [id, identityChunks(byIdentity.get(id)!, m, rng)]));
  const plan: Int32Array[] = [];
  for (;;) {
    const active = rng.shuffle(identities.filter((id) => queues.get(id)!.length > 0));
    if (active.length < perBatch) {
      if (!options.dropLast && active.length > 0) {
        plan.push(Int32Array.from(active.flatMap((id) => queues.get(id)!.shift()!)));
      }
      return plan;
    }
    for (let start = 0; start + perBatch <= active.length; start += perBatch) {
      const group = active.slice(start, start + perBatch);
      plan.push(Int32Array.from(group.flatMap((id) => queues.get(id)!.shift()!)));
    }
  }
}
