/**
 * The raw-pixel baseline: the RGB values of the centre of each image (by default the central
 * 96×96 of a 128×128 LFW image, crop 0.75), flattened, minus their mean over the embedded set,
 * L2-normalised: cosine similarity of these rows is the normalised correlation of the two centred
 * images, the floor any learned embedding has to beat.
 *
 * No flip-sum (a mirrored face is a different pixel vector), no network. The mean is over the
 * images of one `embed` call, so embed the whole evaluated set at once (one image alone gives a
 * zero row).
 */
import { tf } from '../engine/tf';
import { BatchedEmbedder } from './embedder';

export interface PixelsEmbedderOptions {
  /** Side after the crop and resize (default 96). */
  inputSize?: number;
  /** Centre-crop fraction (default 0.75: 96 of 128). */
  crop?: number;
}

export class PixelsEmbedder extends BatchedEmbedder {
  readonly flips = false;
  readonly name: string;

  /** @example new PixelsEmbedder().embed({ images: bytes, size: 128 }) // rows of 96·96·3 */
  constructor(options: PixelsEmbedderOptions = {}) {
    super(options.inputSize ?? 96, options.crop ?? 0.75, null);
    this.name = `pixels@${this.inputSize}`;
  }

  protected forward(views: tf.Tensor4D): tf.Tensor2D {
    const [n, s] = views.shape;
    return tf.reshape(views, [n, s * s * 3]); // [B, s·s·3], values in [0, 1]
  }

  /** Rows are centred and normalised in `finish`, over the whole set. */
  protected override output(sum: tf.Tensor2D): tf.Tensor2D {
    return sum;
  }

  protected override finish(rows: Float32Array[]): Float32Array[] {
    if (rows.length === 0) return rows;
    const dim = rows[0].length;
    const mean = new Float64Array(dim);
    for (const row of rows) for (let d = 0; d < dim; d++) mean[d] += row[d];
    for (let d = 0; d < dim; d++) mean[d] /= rows.length;
    for (const row of rows) {
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        row[d] -= mean[d];
        norm += row[d] * row[d];
      }
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let d = 0; d < dim; d++) row[d] *= scale;
    }
    return rows;
  }

  dispose(): void {}
}
