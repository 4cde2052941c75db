/**
 * Moving a run's state in and out of checkpoints: framework variables, optimizer slots and the
 * framework's own tensors; and the rule for which recipe changes a resume accepts.
 */
import { tf } from '../engine/tf';
import type { Framework } from '../frameworks/base';
import { diffRecipes } from '../recipes/load';
import type { PretrainRecipe } from '../recipes/schema';
import type { Optimizer } from './optim';
import type { CheckpointData, TensorGroup } from './checkpoint';

/** Copies of every variable of `framework`, by name. */
export async function variableValues(framework: Framework): Promise<TensorGroup> {
  const out: TensorGroup = {};
  for (const [name, v] of Object.entries(framework.allVariables())) {
    out[name] = {
      shape: [...v.shape],
      values: Float32Array.from((await v.data()) as Float32Array),
    };
  }
  return out;
}

/**
 * Assigns checkpointed values to the framework's variables, its optimizer and its state.
 * @throws Error listing missing, extra or mis-shaped variables (nothing is assigned then).
 */
export function restoreRun(
  framework: Framework,
  optimizer: Optimizer,
  checkpoint: CheckpointData<unknown>,
): void {
  const variables = framework.allVariables();
  const problems: string[] = [];
  for (const [name, v] of Object.entries(variables)) {
    const saved = checkpoint.variables[name];
    if (!saved) problems.push(`'${name}' is missing from the checkpoint`);
    else if (!tf.util.arraysEqual(saved.shape, v.shape)) {
      problems.push(
        `'${name}' has shape [${v.shape}] in the model, [${saved.shape}] in the checkpoint`,
      );
    }
  }
  for (const name of Object.keys(checkpoint.variables)) {
    if (!(name in variables)) problems.push(`'${name}' is in the checkpoint but not in the model`);
  }
  if (problems.length > 0) {
    throw new Error(
      `restoreRun: the checkpoint does not match the model: ${problems.slice(0, 5).join('; ')}`,
    );
  }
  for (const [name, v] of Object.entries(variables)) {
    const { values, shape } = checkpoint.variables[name];
    tf.tidy(() => v.assign(tf.tensor(values, shape, 'float32')));
  }
  optimizer.restore(checkpoint.optimizer);
  framework.restore({ tensors: checkpoint.framework, meta: checkpoint.frameworkMeta });
}

/**
 * Recipe fields a resume may change: where outputs go, how long the run is, and monitoring that
 * does not touch the weights.
 */
const RESUMABLE = [
  /^output\./,
  /^train\.(steps|epochs|checkpointEvery|keepCheckpoints|logEvery|collapseFloor)$/,
  /^train\.knn(\.|$)/,
  /^description$/,
];

/** The differences between a checkpoint's recipe and the current one that forbid a resume. */
export function resumeConflicts(saved: PretrainRecipe, current: PretrainRecipe): string[] {
  return diffRecipes(saved, current).filter((line) => {
    const key = line.slice(0, line.indexOf(':'));
    return !RESUMABLE.some((re) => re.test(key));
  });
}
