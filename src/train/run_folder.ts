/**
 * The part of a run before its loop: the run lock of the output folder, and the rule that a
 * folder holding checkpoints is only continued with `resume` and an unchanged recipe (shared by
 * pretraining and fine-tuning).
 */
import * as path from 'path';
import { latestCheckpoint, loadCheckpoint, type CheckpointData } from './checkpoint';
import { PretrainSetupError } from './errors';
import type { ProgressReporter } from './monitor';
import { acquireRunLock, type RunLock } from './run_lock';

/**
 * Takes the run lock of `outputDir` and finds the checkpoint to continue from.
 *
 * @param conflicts the recipe differences that forbid continuing from a checkpoint's recipe.
 * @throws PretrainSetupError when the folder is locked by a live run, holds another run's
 *   checkpoints (without `resume`), has none (with `resume`), or the recipe changed.
 */
export async function openRunFolder<R>(
  outputDir: string,
  options: {
    resume: boolean;
    conflicts: (saved: R) => string[];
    reporter: ProgressReporter;
    /** Which recipe fields may change on resume, for the message. */
    resumable: string;
  },
): Promise<{ lock: RunLock; checkpoint?: { data: CheckpointData<R>; dir: string } }> {
  let handle: ReturnType<typeof acquireRunLock>;
  try {
    handle = acquireRunLock(outputDir);
  } catch (e) {
    throw new PretrainSetupError((e as Error).message);
  }
  if (handle.staleNote) options.reporter.note(handle.staleNote);
  try {
    const latest = latestCheckpoint(outputDir);
    if (options.resume) {
      if (!latest) throw new PretrainSetupError(`--resume: no checkpoint in '${outputDir}'`);
      const data = await loadCheckpoint<R>(latest);
      const conflicts = options.conflicts(data.recipe);
      if (conflicts.length > 0) {
        throw new PretrainSetupError(
          `--resume: the recipe differs from the checkpoint's (${path.basename(latest)}) at ${conflicts.join('; ')}; ` +
            `only ${options.resumable} may change`,
        );
      }
      return { lock: handle.lock, checkpoint: { data, dir: latest } };
    }
    if (latest) {
      throw new PretrainSetupError(
        `output folder '${outputDir}' already holds a run (checkpoint ${path.basename(latest)}); pass --resume to continue it, or choose another --out`,
      );
    }
    return { lock: handle.lock };
  } catch (e) {
    handle.lock.release();
    throw e;
  }
}
