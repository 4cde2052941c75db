/**
 * Supervised fine-tuning with a margin loss (ArcFace, CosFace, SphereFace, normalised or plain
 * softmax, optional center loss) on identity-labelled faces, from scratch or from a pretraining run.
 */
export {
  finetune,
  finetuneResumeConflicts,
  type FinetuneOptions,
  type FinetuneResult,
} from './finetuner';
export { MarginModel, type MarginModelOptions } from './margin_model';
export { MARGIN_TRANSFORMS, type MarginInputs, type MarginTransform } from './margins';
export { assertIdentityDisjoint, finetuneData, type FinetuneData, type LfwEvalPlan } from './data';
export { evaluateHeldOut, type HeldOutEvalResult } from './evaluate';
export { loadPretrainedWeights, locatePretrained, type PretrainedSource } from './init';
