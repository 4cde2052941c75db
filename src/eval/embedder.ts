/**
 * Embedders: images in, one embedding row per image out, for the evaluation protocols
 * (`lfw.ts`, `probe.ts`). Every embedder preprocesses the same way: a centre crop of `crop` of the
 * side, resized to `inputSize` by one bilinear `tf.image.cropAndResize` (align-corners boxes, as
 * `src/augment/crop.ts`), then the per-channel `(x − mean) / std` of `normalize`.
 *
 * Flip-sum (insightface's `eval/verification.py`): the embedding of the image plus that of its
 * horizontal mirror, then L2-normalised. On by default for models; the mirror is the crop box with
 * its x corners swapped, so it costs one more forward pass and nothing else.
 *
 * Images are embedded `batchSize` at a time in inference mode (batch norm uses running
 * statistics); every tensor made along the way is disposed before `embed` resolves.
 */
import { FACE_NORMALIZE } from '../augment/presets';
import { imagesToTensor } from '../data/to_tensor';
import { tf } from '../engine/tf';
import type { Backbone } from '../models/backbone';
import { createBackbone } from '../models/registry';

/** Square RGB images as bytes: `images.length = N × size × size × 3` (HWC, as the cache stores). */
export interface Uint8Images {
  images: Uint8Array;
  size: number;
}

/** Anything that reads uint8 images by index, e.g. an `ImageCache`. */
export interface ImageReader {
  readonly count: number;
  readonly size: number;
  readBatch(indices: ArrayLike<number>): Promise<Uint8Array>;
}

/** Bytes, a reader, or a float32 `[N, S, S, 3]` tensor in [0, 1] (not disposed by `embed`). */
export type ImageInput = Uint8Images | ImageReader | tf.Tensor4D;

export interface EmbedOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Flip-sum (default true; ignored by embedders that never flip, such as pixels). */
  flip?: boolean;
  /** Called after each batch with the images done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface Embedder {
  /** What it is, for reports, e.g. `random:resnet18-narrow@64 (seed 0)`. */
  readonly name: string;
  /** Side of the images the network sees (after the crop and resize). */
  readonly inputSize: number;
  /** Centre-crop fraction of the side taken before resizing, in (0, 1]. */
  readonly crop: number;
  /** Whether `embed` flip-sums when `options.flip` is not false. */
  readonly flips: boolean;
  /** [N, S, S, 3] images → N embedding rows (L2-normalised). */
  embed(images: ImageInput, options?: EmbedOptions): Promise<Float32Array[]>;
  dispose(): void;
}

export type Normalize = { mean: readonly number[]; std: readonly number[] } | null;

/** The `[y1, x1, y2, x2]` box of the centred `crop` fraction of a side-`size` image. */
export function centerCropBox(size: number, crop: number): [number, number, number, number] {
  const side = Math.max(1, Math.min(size, Math.round(crop * size)));
  if (size === 1) return [0, 0, 1, 1];
  const top = Math.floor((size - side) / 2);
  const [a, b] = [top / (size - 1), (top + side - 1) / (size - 1)];
  return [a, a, b, b];
}

/** Batches of any input as owned float32 `[n, S, S, 3]` tensors in [0, 1]. */
interface BatchSource {
  count: number;
  read(start: number, n: number): Promise<tf.Tensor4D>;
}

function batchSource(input: ImageInput, fn: string): BatchSource {
  if (input instanceof tf.Tensor) {
    if (input.rank !== 4 || input.shape[1] !== input.shape[2] || input.shape[3] !== 3) {
      throw new Error(`${fn}: images must be a [N,S,S,3] tensor, got [${input.shape.join(',')}]`);
    }
    return {
      count: input.shape[0],
      read: async (start, n) => tf.slice(input, [start, 0, 0, 0], [n, -1, -1, -1]),
    };
  }
  if ('images' in input) {
    const { images, size } = input;
    const bytes = size * size * 3;
    if (!(images instanceof Uint8Array) || !(size >= 1) || images.length % bytes !== 0) {
      throw new Error(
        `${fn}: images.images must hold N×${size}×${size}×3 bytes, got ${images?.length}`,
      );
    }
    return {
      count: images.length / bytes,
      read: async (start, n) =>
        imagesToTensor(images.subarray(start * bytes, (start + n) * bytes), n, size),
    };
  }
  return {
    count: input.count,
    read: async (start, n) =>
      imagesToTensor(
        await input.readBatch(Array.from({ length: n }, (_, k) => start + k)),
        n,
        input.size,
      ),
  };
}

/**
 * The thin base of the embedders: batching, crop/resize/normalise, flip-sum. Subclasses give
 * `forward` (preprocessed `[B, s, s, 3]` → `[B, D]`, run inside `tidy`) and may post-process.
 */
export abstract class BatchedEmbedder implements Embedder {
  abstract readonly name: string;
  abstract readonly flips: boolean;

  constructor(
    readonly inputSize: number,
    readonly crop: number,
    readonly normalize: Normalize,
  ) {
    if (!(crop > 0 && crop <= 1)) throw new Error(`Embedder: crop must be in (0, 1], got ${crop}`);
    if (!(Number.isInteger(inputSize) && inputSize >= 1)) {
      throw new Error(`Embedder: inputSize must be a positive integer, got ${inputSize}`);
    }
  }

  /** Preprocessed `[B, s, s, 3]` → `[B, D]`. */
  protected abstract forward(views: tf.Tensor4D): tf.Tensor2D;

  /** The summed view embeddings `[B, D]` → output rows (default: L2-normalised). */
  protected output(sum: tf.Tensor2D): tf.Tensor2D {
    return tf.div(sum, tf.maximum(tf.norm(sum, 2, 1, true), 1e-12));
  }

  /** A hook over all rows once every batch is done (default: none). */
  protected finish(rows: Float32Array[]): Float32Array[] {
    return rows;
  }

  private embedBatch(x: tf.Tensor4D, flip: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, size] = x.shape;
      const [y1, x1, y2, x2] = centerCropBox(size, this.crop);
      const boxes = flip
        ? [
            [y1, x1, y2, x2],
            [y1, x2, y2, x1],
          ]
        : [[y1, x1, y2, x2]]; // x1 > x2 mirrors
      const indices = tf.range(0, n, 1, 'int32') as tf.Tensor1D;
      let sum: tf.Tensor2D | undefined;
      for (const box of boxes) {
        const tiled = tf.tensor2d(
          Array.from({ length: n }, () => box),
          [n, 4],
        );
        let views = tf.image.cropAndResize(x, tiled, indices, [this.inputSize, this.inputSize]);
        if (this.normalize) {
          views = tf.div(tf.sub(views, this.normalize.mean), this.normalize.std) as tf.Tensor4D;
        }
        const e = this.forward(views); // [B,D]
        sum = sum ? (tf.add(sum, e) as tf.Tensor2D) : e;
      }
      return this.output(sum as tf.Tensor2D);
    });
  }

  async embed(images: ImageInput, options: EmbedOptions = {}): Promise<Float32Array[]> {
    const fn = `${this.constructor.name}.embed`;
    const source = batchSource(images, fn);
    const batchSize = options.batchSize ?? 256;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new Error(`${fn}: options.batchSize must be a positive integer, got ${batchSize}`);
    }
    const flip = this.flips && options.flip !== false;
    const rows: Float32Array[] = [];
    for (let start = 0; start < source.count; start += batchSize) {
      const n = Math.min(batchSize, source.count - start);
      const x = await source.read(start, n);
      let out: tf.Tensor2D;
      try {
        out = this.embedBatch(x, flip);
      } finally {
        x.dispose();
      }
      const values = (await out.data()) as Float32Array;
      out.dispose();
      const dim = values.length / n;
      for (let k = 0; k < n; k++) rows.push(values.subarray(k * dim, (k + 1) * dim));
      options.onProgress?.(start + n, source.count);
    }
    return this.finish(rows);
  }

  abstract dispose(): void;
}

/** A backbone's embeddings in inference mode, flip-summed by default, L2-normalised. */
export class BackboneEmbedder extends BatchedEmbedder {
  readonly flips = true;

  /**
   * @param backbone owned from now on (`dispose` frees it).
   * @param options.crop default 0.75; options.normalize default mean/std 0.5 (the face preset).
   */
  constructor(
    readonly name: string,
    private readonly backbone: Backbone,
    options: { inputSize: number; crop?: number; normalize?: Normalize },
  ) {
    super(options.inputSize, options.crop ?? 0.75, options.normalize ?? FACE_NORMALIZE);
  }

  protected forward(views: tf.Tensor4D): tf.Tensor2D {
    return this.backbone.apply(views, { training: false });
  }

  dispose(): void {
    this.backbone.dispose();
  }
}

export interface RandomEmbedderOptions {
  /** A `BACKBONES` name (default `resnet18-narrow`). */
  backbone?: string;
  /** Seed of the initialisation (default 0). */
  seed?: number;
  /** Network input side (default 64). */
  inputSize?: number;
  /** Centre-crop fraction (default 0.75). */
  crop?: number;
  /** Channel width multiplier (default 1). */
  width?: number;
}

/**
 * A randomly initialised backbone: the floor any pretraining has to beat.
 * @throws for an unknown backbone name (listing the names) or invalid options.
 * @example const embedder = randomEmbedder({ seed: 0 }); // resnet18-narrow at 64×64
 */
export function randomEmbedder(options: RandomEmbedderOptions = {}): BackboneEmbedder {
  const { backbone: name = 'resnet18-narrow', seed = 0, inputSize = 64 } = options;
  const backbone = createBackbone(name, { seed, inputSize, width: options.width });
  return new BackboneEmbedder(`random:${name}@${inputSize} (seed ${seed})`, backbone, {
    inputSize,
    crop: options.crop,
  });
}
