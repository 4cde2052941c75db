/**
 * Supervised contrastive learning (Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020):
 * SimCLR's two-view network with every other view of the same identity counted as a positive
 * (L_out, eq. 2). With all labels distinct it is SimCLR's NT-Xent. For faces the labels are the
 * identities of the batch (`StepContext.labels`, from the trainer's identity-balanced sampler).
 *
 *   z = g(f([x₁; x₂]))  [2B,P],  L = SupCon(z₁, z₂, labels; τ)
 *
 * Only the objective differs from {@link SimClrFramework}, so this class overrides that one hook.
 */
import { z } from 'zod';
import { tf } from '../engine/tf';
import { supCon } from '../losses/sup_con';
import type { StepContext, FrameworkContext } from './base';
import { headSchema, parseFrameworkOptions, positive } from './options';
import { SimClrFramework } from './simclr';

/** SupCon's options and defaults. */
export const SupConOptionsSchema = z.strictObject({
  /** τ (default 0.1, the paper's). */
  temperature: positive.default(0.1),
  /** Projector: 2 dense layers, BN on the hidden one, 128-d output (the paper's). */
  projector: headSchema({ hiddenFeatures: 512, outFeatures: 128, layers: 2, batchNorm: true }),
});
export type SupConOptionsInput = z.input<typeof SupConOptionsSchema>;
export type SupConOptions = z.output<typeof SupConOptionsSchema>;

/**
 * SupCon: backbone + projector, L_out over two views with identity labels from the step context.
 *
 * @example
 * const fw = new SupConFramework({ temperature: 0.1 }, { backbone, seed: 0 });
 * const loss = fw.loss([view1, view2], { step, totalSteps, labels }); // labels [B] int32
 */
export class SupConFramework extends SimClrFramework {
  override readonly name: string = 'supcon';

  /** @throws FrameworkOptionsError naming `supcon.<path>` and the value for invalid options. */
  constructor(options: SupConOptionsInput, context: FrameworkContext) {
    const parsed = parseFrameworkOptions('supcon', SupConOptionsSchema, options);
    super({ temperature: parsed.temperature, projector: parsed.projector }, context);
  }

  /**
   * @param views [x₁, x₂], each [B,S,S,3]; @param ctx must carry `labels` [B].
   * @throws Error naming `SupConFramework.loss` when `ctx.labels` is missing or not [B].
   */
  override loss(views: tf.Tensor4D[], ctx: StepContext): tf.Scalar {
    const labels = ctx.labels;
    const batch = Array.isArray(views) && views[0] instanceof tf.Tensor ? views[0].shape[0] : -1;
    if (!(labels instanceof tf.Tensor) || labels.rank !== 1 || labels.shape[0] !== batch) {
      const got = labels instanceof tf.Tensor ? `shape [${labels.shape}]` : String(labels);
      throw new Error(
        `SupConFramework.loss: ctx.labels must be a [${batch}] tensor of identity labels, got ${got}`,
      );
    }
    return super.loss(views, ctx);
  }

  protected override objective(z1: tf.Tensor2D, z2: tf.Tensor2D, ctx: StepContext): tf.Scalar {
    return supCon(z1, z2, ctx.labels!, { temperature: this.options.temperature });
  }
}
