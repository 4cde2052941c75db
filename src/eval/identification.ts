/**
 * Closed-set 1:N identification with one gallery image per identity (as MegaFace / IJB-style
 * rank-k accuracy): each probe is compared by cosine similarity with every gallery identity; its
 * rank is 1 + the number of other gallery identities scoring at least as high as its own (ties
 * count against the probe, the pessimistic convention). Rank-k accuracy (the CMC curve at k) is
 * the fraction of probes with rank ≤ k.
 */
import { normalizeRows, readIntegers, readRows, rowDot } from './checks';
import type { LabelledEmbeddings } from './knn';

export interface IdentificationResult {
  rank1: number;
  rank5: number;
  /** cmc[r − 1] = fraction of probes with rank ≤ r, r = 1 … gallery size. */
  cmc: number[];
  /** [probes] rank of each probe's true identity. */
  ranks: Int32Array;
}

const FN = 'identification';

/**
 * Rank-1 / rank-5 identification accuracy.
 *
 * @param gallery one embedding per identity (labels unique).
 * @param probes embeddings whose labels all occur in the gallery.
 * @throws Error naming `identification` and the argument for ragged or mismatched embeddings,
 *   duplicate gallery labels, or a probe identity missing from the gallery.
 * @example identification({ embeddings: enrolled, labels: ids }, { embeddings: queries, labels: queryIds }).rank1
 */
export function identification(
  gallery: LabelledEmbeddings,
  probes: LabelledEmbeddings,
): IdentificationResult {
  const g = readRows(gallery?.embeddings, FN, 'gallery.embeddings');
  const p = readRows(probes?.embeddings, FN, 'probes.embeddings');
  if (p.dim !== g.dim)
    throw new Error(`${FN}: probes.embeddings must have dim ${g.dim} like gallery, got ${p.dim}`);
  const galleryLabels = readIntegers(gallery.labels, FN, 'gallery.labels', g.count);
  const probeLabels = readIntegers(probes.labels, FN, 'probes.labels', p.count);
  const row = new Map<number, number>();
  galleryLabels.forEach((label, i) => {
    if (row.has(label))
      throw new Error(
        `${FN}: gallery.labels must be unique (one image per identity), ${label} repeats`,
      );
    row.set(label, i);
  });
  const [galleryRows, probeRows] = [normalizeRows(g.values, g.dim), normalizeRows(p.values, p.dim)];
  const ranks = new Int32Array(p.count);
  probeLabels.forEach((label, i) => {
    const own = row.get(label);
    if (own === undefined)
      throw new Error(`${FN}: probes.labels[${i}] = ${label} has no gallery entry`);
    const target = rowDot(probeRows, i, galleryRows, own, g.dim);
    let rank = 1;
    for (let j = 0; j < g.count; j++) {
      if (j !== own && rowDot(probeRows, i, galleryRows, j, g.dim) >= target) rank++;
    }
    ranks[i] = rank;
  });
  const cmc = Array.from(
    { length: g.count },
    (_, r) => ranks.filter((x) => x <= r + 1).length / p.count,
  );
  return { rank1: cmc[0], rank5: cmc[Math.min(4, g.count - 1)], cmc, ranks };
}
