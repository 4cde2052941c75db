/**
 * What every faceclr backbone provides: its variables, a forward pass from images to embeddings,
 * and the options the registry's factories accept (`src/models/registry.ts`).
 */
import { tf } from '../engine/tf';
import { ForwardContext } from './layers';
import { ParamStore } from './params';

/** A feature extractor: [N,H,W,3] images → [N,embeddingSize] embeddings. */
export interface Backbone {
  /** All variables (trainable weights and batch-norm running statistics), by path name. */
  readonly params: ParamStore;
  /** Size of the embedding `apply` returns. */
  readonly embeddingSize: number;
  /** The resolved configuration the backbone was built from (saved in checkpoint metadata). */
  readonly config: object;
  /** [N,H,W,C] images → [N,embeddingSize]. Training mode uses batch statistics and dropout. */
  apply(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  /** Disposes every variable. */
  dispose(): void;
}

/** Options of a registry factory. Unset fields take the backbone's published defaults. */
export interface BackboneOptions {
  /** Seed of the weight initialisation (and of dropout masks); same seed, same weights. */
  seed: number | string;
  /** Embedding size (default: 128 for resnet18-narrow and mobilefacenet, 512 otherwise). */
  embeddingSize?: number;
  /**
   * Width multiplier on every stage's channels (default 1), e.g. 0.5 halves them. Channels are
   * rounded to the nearest integer, at least 1.
   */
  width?: number;
  /**
   * Input side in pixels (default 112). Only IR-ResNet (its flattening FC) and MobileFaceNet (its
   * global depthwise conv) depend on it; the ResNets pool globally and take any size.
   */
  inputSize?: number;
  /** Stride of the stem convolution (default: the architecture's, 2 for ResNet/MobileFaceNet, 1 for IR). */
  stemStride?: number;
  /** IR-ResNet only: dropout rate before the embedding FC, in [0, 1) (default 0). */
  dropout?: number;
}

/** `base` channels scaled by `width`, rounded, at least 1. */
export function scaleChannels(base: number, width: number): number {
  return Math.max(1, Math.round(base * width));
}

/**
 * Validates factory options, naming the backbone and the option in errors.
 * @throws if `width` or `embeddingSize`/`inputSize`/`stemStride` are not positive (integers).
 */
export function checkBackboneOptions(backbone: string, options: BackboneOptions): void {
  const { width, embeddingSize, inputSize, stemStride } = options;
  if (width !== undefined && !(width > 0 && Number.isFinite(width))) {
    throw new Error(`${backbone}: options.width must be a positive number, got ${width}`);
  }
  const integers = { embeddingSize, inputSize, stemStride };
  for (const [key, value] of Object.entries(integers)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new Error(`${backbone}: options.${key} must be a positive integer, got ${value}`);
    }
  }
}

/**
 * Output side of a PyTorch-style convolution (padding k//2) or pooling.
 * floor((size + 2·pad − k)/stride) + 1.
 */
export function convOutputSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}
