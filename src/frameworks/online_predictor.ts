/**
 * The online network that BYOL (Grill et al., 2020) and SimSiam (Chen & He, 2021) share: a
 * backbone f, a projector g and a predictor h/q on top of it, all trained:
 *
 *   y = f(x) [B,E],   z = g(y) [B,P],   p = h(z) [B,P]
 *
 * Subclasses add their loss and, for BYOL, the momentum target network (`extraVariables`,
 * `dispose`). Variable names are `projector/...` and `predictor/...`, as checkpoints store them.
 */
import type { z } from 'zod';
import type { tf } from '../engine/tf';
import type { Backbone } from '../models/backbone';
import { MlpHead } from '../models/heads';
import { Framework, FrameworkContext, variablesByName } from './base';
import type { headSchema, predictorSchema } from './options';

export interface OnlinePredictorOptions {
  projector: z.output<ReturnType<typeof headSchema>>;
  predictor: z.output<ReturnType<typeof predictorSchema>>;
}

/** Backbone + projector + predictor, with their variables and disposal. */
export abstract class OnlinePredictorFramework extends Framework {
  readonly backbone: Backbone;
  readonly projector: MlpHead;
  readonly predictor: MlpHead;

  /** @param heads the parsed projector and predictor options (the predictor's output is P). */
  protected constructor(heads: OnlinePredictorOptions, context: FrameworkContext) {
    super();
    const { projector, predictor } = heads;
    this.backbone = context.backbone;
    this.projector = new MlpHead(
      { inFeatures: this.backbone.embeddingSize, ...projector },
      context.seed,
      'projector',
    );
    this.predictor = new MlpHead(
      { inFeatures: projector.outFeatures, outFeatures: projector.outFeatures, ...predictor },
      context.seed,
      'predictor',
    );
  }

  trainableVariables(): Record<string, tf.Variable> {
    return {
      ...this.backbone.params.trainable(),
      ...this.projector.params.trainable(),
      ...this.predictor.params.trainable(),
    };
  }

  allVariables(): Record<string, tf.Variable> {
    return variablesByName([
      ...this.backbone.params.variables.values(),
      ...this.projector.params.variables.values(),
      ...this.predictor.params.variables.values(),
      ...this.extraVariables(),
    ]);
  }

  /** Variables beyond the online network (BYOL: the target network's). */
  protected extraVariables(): tf.Variable[] {
    return [];
  }

  dispose(): void {
    this.predictor.dispose();
    this.projector.dispose();
    this.backbone.dispose();
  }
}
