/**
 * The margin transforms a fine-tuning recipe names (`margin.name`), as a frozen registry whose keys
 * are `MarginName` (principle 5). Each turns a batch of embeddings into class logits through the
 * `MarginHead` (principle 3: the head owns the class weights, the transform only bends the cosine
 * logits, cross-entropy follows):
 *
 * | name | logits for the target class j = y_i (others: s·cos θ_ij) | paper |
 * | --- | --- | --- |
 * | arcface | s·cos(θ + m) | Deng et al. 2019 |
 * | cosface | s·(cos θ − m) | Wang et al. 2018 |
 * | sphereface | ‖x‖·(λ cos θ + ψ(θ))/(1 + λ), λ annealed per step (or s instead of ‖x‖) | Liu et al. 2017 |
 * | normsoftmax | s·cos θ (no margin) | Wang et al. 2017 (NormFace) |
 * | softmax | x·W + b (unnormalised linear classifier) | — |
 */
import { tf } from '../engine/tf';
import { arcfaceLogits } from '../losses/arcface';
import { cosfaceLogits } from '../losses/cosface';
import type { MarginHead } from '../losses/margin_head';
import { normalizedSoftmaxLogits, softmaxLogits } from '../losses/softmax_logits';
import { sphereFaceLogits } from '../losses/sphereface';
import type { MarginConfig, MarginName } from '../recipes/finetune_schema';

/** What a transform receives for one batch. */
export interface MarginInputs {
  /** [N, D] backbone embeddings (not normalised). */
  embeddings: tf.Tensor2D;
  head: MarginHead;
  /** [C] class bias (plain softmax only). */
  bias: tf.Variable | null;
  /** [N] class ids. */
  labels: tf.Tensor1D;
  /** 0-based training step (SphereFace's λ schedule). */
  step: number;
}

/** Embeddings → [N, C] logits; runs under `tf.variableGrads`. */
export type MarginTransform = (inputs: MarginInputs, config: MarginConfig) => tf.Tensor2D;

/** The scale a cosine transform needs (the schema fills it for every name but softmax). */
function scaleOf(config: MarginConfig): number {
  if (config.scale === null) {
    throw new Error(`${config.name}: margin.scale must be a number > 0, got null`);
  }
  return config.scale;
}

export const MARGIN_TRANSFORMS = Object.freeze({
  arcface: ({ embeddings, head, labels }, config) =>
    arcfaceLogits(head.cosine(embeddings), labels, {
      scale: scaleOf(config),
      margin: config.margin,
      easyMargin: config.easyMargin,
    }),
  cosface: ({ embeddings, head, labels }, config) =>
    cosfaceLogits(head.cosine(embeddings), labels, {
      scale: scaleOf(config),
      margin: config.margin,
    }),
  sphereface: ({ embeddings, head, labels, step }, config) =>
    tf.tidy(() => {
      const scaling =
        config.scale === null
          ? { featureNorms: tf.norm(embeddings, 'euclidean', 1) } // [N], the paper's ‖x_i‖
          : { scale: config.scale };
      return sphereFaceLogits(head.cosine(embeddings), labels, {
        margin: config.margin,
        iteration: step,
        schedule: config.lambda,
        ...scaling,
      });
    }),
  normsoftmax: ({ embeddings, head }, config) =>
    normalizedSoftmaxLogits(head.cosine(embeddings), { scale: scaleOf(config) }),
  softmax: ({ embeddings, head, bias }) =>
    softmaxLogits(embeddings, head.weights, (bias as tf.Tensor1D | null) ?? undefined),
} satisfies Record<MarginName, MarginTransform>);
