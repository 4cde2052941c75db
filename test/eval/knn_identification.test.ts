import { identification } from '../../src/eval/identification';
import { knnClassify, LabelledEmbeddings } from '../../src/eval/knn';
import { Rng } from '../../src/util/random';

const at = (degrees: number, radius = 1) => [
  radius * Math.cos((degrees * Math.PI) / 180),
  radius * Math.sin((degrees * Math.PI) / 180),
];

/** Points around `classes` directions on the circle, with angular noise and random radii. */
function clusters(perClass: number, classes: number, seed: number, noise = 15): LabelledEmbeddings {
  const rng = new Rng(seed);
  const embeddings: number[][] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      embeddings.push(at((360 * c) / classes + rng.uniform(-noise, noise), rng.uniform(0.5, 3)));
      labels.push(c);
    }
  }
  return { embeddings, labels };
}

describe('knnClassify', () => {
  it('is perfect on separated toy clusters (k = 20 and DINO weighting)', () => {
    const [train, test] = [clusters(30, 3, 1), clusters(10, 3, 2)];
    expect(knnClassify(train, test).top1).toBe(1);
    expect(knnClassify(train, test, { temperature: 0.07 }).top1).toBe(1);
  });

  it('weights votes by similarity (one close neighbour beats two far ones)', () => {
    const train = { embeddings: [at(0), at(80), at(-80), at(180)], labels: [0, 1, 1, 2] };
    const test = { embeddings: [at(0)], labels: [0] };
    expect(Array.from(knnClassify(train, test, { k: 3 }).predictions)).toEqual([0]); // 1 vs 2·cos 80°
    expect(Array.from(knnClassify(train, test, { k: 3, temperature: 0.07 }).predictions)).toEqual([
      0,
    ]);
    // A huge temperature makes the weights ~equal: plain majority.
    expect(Array.from(knnClassify(train, test, { k: 3, temperature: 1e3 }).predictions)).toEqual([
      1,
    ]);
    // k larger than the training set is capped.
    expect(knnClassify(train, test, { k: 50 }).predictions.length).toBe(1);
  });

  it('errors name the function and argument', () => {
    const ok = { embeddings: [[1, 0]], labels: [0] };
    expect(() => knnClassify(ok, { embeddings: [[1, 0, 0]], labels: [0] })).toThrow(
      /^knnClassify: test\.embeddings must have dim 2 like train, got 3/,
    );
    expect(() => knnClassify({ embeddings: [[1, 0], [1]], labels: [0, 0] }, ok)).toThrow(
      /^knnClassify: train\.embeddings\[1\] must have length 2/,
    );
    expect(() => knnClassify(ok, { embeddings: [[1, 0]], labels: [-1] })).toThrow(
      /^knnClassify: test\.labels\[0\] must be an integer >= 0/,
    );
    expect(() => knnClassify(ok, ok, { k: 0 })).toThrow(
      /^knnClassify: options\.k must be an integer >= 1, got 0/,
    );
    expect(() => knnClassify(ok, ok, { temperature: 0 })).toThrow(
      /^knnClassify: options\.temperature must be a finite number > 0/,
    );
    expect(() => knnClassify({ embeddings: [], labels: [] }, ok)).toThrow(
      /^knnClassify: train\.embeddings must be a non-empty array/,
    );
  });
});

describe('identification', () => {
  const gallery = {
    embeddings: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [-1, 0, 0],
    ],
    labels: [10, 11, 12, 13],
  };

  it('ranks each probe among the gallery identities (hand-made)', () => {
    const probes = {
      embeddings: [
        [0.9, 0.1, 0], // 10 → rank 1
        [0.9, 0.3, 0.1], // 11: 10 scores higher → rank 2
        [0.5, 0.4, 0.1], // 12: 10, 11 higher → rank 3
        [1, 0.2, 0.1], // 13: 10, 11, 12 higher → rank 4
        [0, 0, 2], // 12 → rank 1
      ],
      labels: [10, 11, 12, 13, 12],
    };
    const r = identification(gallery, probes);
    expect(Array.from(r.ranks)).toEqual([1, 2, 3, 4, 1]);
    expect(r.rank1).toBeCloseTo(2 / 5, 12);
    expect(r.rank5).toBe(1); // capped at the gallery size
    expect(r.cmc).toEqual([0.4, 0.6, 0.8, 1].map((v) => expect.closeTo(v, 12)));
  });

  it('counts ties against the probe', () => {
    const r = identification(gallery, { embeddings: [[1, 1, 0]], labels: [11] });
    expect(Array.from(r.ranks)).toEqual([2]);
  });

  it('is perfect on toy clusters with one gallery image per class', () => {
    const probes = clusters(10, 6, 3, 10);
    const galleryOf = {
      embeddings: [0, 1, 2, 3, 4, 5].map((c) => at(60 * c)),
      labels: [0, 1, 2, 3, 4, 5],
    };
    const r = identification(galleryOf, probes);
    expect(r.rank1).toBe(1);
    expect(r.rank5).toBe(1);
  });

  it('errors name the function and argument', () => {
    expect(() =>
      identification(
        {
          embeddings: [
            [1, 0],
            [0, 1],
          ],
          labels: [1, 1],
        },
        { embeddings: [[1, 0]], labels: [1] },
      ),
    ).toThrow(
      /^identification: gallery\.labels must be unique \(one image per identity\), 1 repeats/,
    );
    expect(() =>
      identification({ embeddings: [[1, 0]], labels: [1] }, { embeddings: [[1, 0]], labels: [2] }),
    ).toThrow(/^identification: probes\.labels\[0\] = 2 has no gallery entry/);
    expect(() =>
      identification(
        { embeddings: [[1, 0]], labels: [1] },
        { embeddings: [[1, 0]], labels: [1, 1] },
      ),
    ).toThrow(/^identification: probes\.labels must have length 1/);
  });
});
