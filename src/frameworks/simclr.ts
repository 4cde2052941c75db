/**
 * SimCLR (Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations",
 * ICML 2020): two augmented views of each image go through the backbone f(·) and the projector
 * g(·); the NT-Xent loss (eq. 1) pulls each projection towards the other view of its image and
 * away from the other 2N − 2 projections of the batch.
 *
 *   z = g(f([x₁; x₂]))  [2B,P] (both views as one batch),  L = NT-Xent(z₁, z₂; τ)
 *
 * `loss: 'dcl' | 'dclw'` swaps NT-Xent for decoupled contrastive learning (Yeh et al., ECCV 2022),
 * which drops the positive from the denominator (DCLW also weights hard positives, σ = `sigma`).
 * The backbone is what is kept; the projector is discarded after pretraining.
 */
import { z } from 'zod';
import { tf } from '../engine/tf';
import { dcl } from '../losses/dcl';
import { infoNce } from '../losses/info_nce';
import type { Backbone } from '../models/backbone';
import { MlpHead } from '../models/heads';
import { Framework, FrameworkContext, StepContext, variablesByName } from './base';
import { headSchema, parseFrameworkOptions, positive } from './options';
import { assertViews, encodeViews } from './views';

/** SimCLR's options and defaults (the only place they are written). */
export const SimClrOptionsSchema = z.strictObject({
  /** τ of the softmax (default 0.5; SimCLR's best for batch 4096 is 0.1-0.5, DCL uses 0.1). */
  temperature: positive.default(0.5),
  /** The contrastive loss: NT-Xent (`info_nce`), `dcl` or `dclw` (default `info_nce`). */
  loss: z
    .enum(['info_nce', 'dcl', 'dclw'], { error: "must be 'info_nce' | 'dcl' | 'dclw'" })
    .default('info_nce'),
  /** σ of DCLW's von Mises-Fisher weighting (default 0.5; ignored otherwise). */
  sigma: positive.default(0.5),
  /** Projector g(·): 2 dense layers, BN on the hidden one, 128-d output (SimCLR's). */
  projector: headSchema({ hiddenFeatures: 512, outFeatures: 128, layers: 2, batchNorm: true }),
});
export type SimClrOptionsInput = z.input<typeof SimClrOptionsSchema>;
export type SimClrOptions = z.output<typeof SimClrOptionsSchema>;

/**
 * SimCLR: backbone + projector, NT-Xent (or DCL/DCLW) over two views.
 *
 * @example
 * const fw = new SimClrFramework({ temperature: 0.2 }, { backbone, seed: 0 });
 * const loss = fw.loss([view1, view2], { step, totalSteps }); // scalar
 */
export class SimClrFramework extends Framework {
  readonly name: string = 'simclr';
  readonly backbone: Backbone;
  readonly projector: MlpHead;
  readonly options: SimClrOptions;

  /** @throws FrameworkOptionsError naming `simclr.<path>` and the value for invalid options. */
  constructor(options: SimClrOptionsInput, context: FrameworkContext) {
    super();
    this.options = parseFrameworkOptions('simclr', SimClrOptionsSchema, options);
    this.backbone = context.backbone;
    this.projector = new MlpHead(
      { inFeatures: context.backbone.embeddingSize, ...this.options.projector },
      context.seed,
      'projector',
    );
  }

  trainableVariables(): Record<string, tf.Variable> {
    return { ...this.backbone.params.trainable(), ...this.projector.params.trainable() };
  }

  allVariables(): Record<string, tf.Variable> {
    return variablesByName([
      ...this.backbone.params.variables.values(),
      ...this.projector.params.variables.values(),
    ]);
  }

  /**
   * @param views [x₁, x₂], each [B,S,S,3] (B ≥ 2), the same size.
   * @throws Error naming `SimClrFramework.loss` for anything but two equal-shaped views.
   */
  loss(views: tf.Tensor4D[], ctx: StepContext): tf.Scalar {
    assertViews(views, `${this.constructor.name}.loss`, 2);
    return tf.tidy(() => {
      const [z1, z2] = this.project(views.slice(0, 2)); // [B,P] each
      return this.objective(z1, z2, ctx);
    });
  }

  /** Projections g(f(x)) of each view, both views as one batch: V × [B,P]. */
  protected project(views: tf.Tensor4D[]): tf.Tensor2D[] {
    const ctx = { training: true };
    return encodeViews(views, (x) => this.projector.apply(this.backbone.apply(x, ctx), ctx));
  }

  /** GradCache hook: the two views' projections, [B,P] each (gradients flow). */
  override represent(views: tf.Tensor4D[], _ctx: StepContext): tf.Tensor2D[] {
    assertViews(views, `${this.constructor.name}.represent`, 2);
    return this.project(views.slice(0, 2));
  }

  /** GradCache hook: the loss of the whole batch's projections (no trainable variables). */
  override lossFromRepresentations(representations: tf.Tensor2D[], ctx: StepContext): tf.Scalar {
    return tf.tidy(() => this.objective(representations[0], representations[1], ctx));
  }

  /** The contrastive loss of the two views' projections (SupCon overrides it). */
  protected objective(z1: tf.Tensor2D, z2: tf.Tensor2D, _ctx: StepContext): tf.Scalar {
    const { temperature, loss, sigma } = this.options;
    if (loss === 'info_nce') return infoNce(z1, z2, { temperature });
    return dcl(z1, z2, { temperature, sigma, weighting: loss === 'dclw' ? 'vmf' : 'none' });
  }

  dispose(): void {
    this.projector.dispose();
    this.backbone.dispose();
  }
}
