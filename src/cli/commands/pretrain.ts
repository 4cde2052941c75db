/**
 * `faceclr pretrain <recipe>`: self-supervised pretraining as a recipe describes it.
 *
 * Exit codes: 0 the run finished or stopped at --max-steps; 1 the run failed (NaN/Inf loss) or was
 * interrupted by Ctrl-C (after finishing the step and writing a checkpoint — resume with
 * --resume; a second Ctrl-C quits at once with 130); 2 a bad recipe, flag, data folder, a locked
 * output folder, or a resume that does not match the checkpoint.
 */
import * as path from 'path';
import { Command } from 'commander';
import { DataError } from '../../data/errors';
import { initBackend, type BackendInfo } from '../../engine/backend';
import { loadRecipe, RecipeError, SYNTH_DATA, type PretrainRecipe } from '../../recipes';
import { PretrainSetupError } from '../../train/errors';
import { pretrain, type PretrainResult } from '../../train/trainer';
import { UsageError } from '../errors';
import {
  assertNotInterrupted,
  runFileRows,
  throttledProgress,
  trainingReporter,
  withCtrlC,
  withTrainingRunOptions,
} from '../training_run';
import { engineFields, formatNumber, printJson, table } from '../output';

/** Recipe paths made absolute against the working directory (what `recipe.json` records). */
export function absolutePaths(recipe: PretrainRecipe): PretrainRecipe {
  const out = structuredClone(recipe);
  if (out.data.path !== SYNTH_DATA) out.data.path = path.resolve(out.data.path);
  if (out.data.cacheDir !== null) out.data.cacheDir = path.resolve(out.data.cacheDir);
  if (out.train.knn) out.train.knn.path = path.resolve(out.train.knn.path);
  out.output.dir = path.resolve(out.output.dir);
  return out;
}

function summary(result: PretrainResult): string {
  const rows: (string | number)[][] = [
    ['status', result.status],
    [
      'steps',
      `${result.step}/${result.totalSteps}${result.startStep ? ` (resumed at ${result.startStep})` : ''}`,
    ],
    ['last loss', result.lastLoss ?? '-'],
    ['images/s', result.imagesPerSecond],
    ['elapsed', `${formatNumber(result.elapsedSeconds)} s`],
    ['embedding std', result.embeddingStd ?? '-'],
  ];
  if (result.knnAccuracy !== null) rows.push(['kNN accuracy', result.knnAccuracy]);
  rows.push(...runFileRows(result));
  return table(rows);
}

export function pretrainCommand(): Command {
  return withTrainingRunOptions(
    new Command('pretrain')
      .description(
        'self-supervised pretraining of a backbone from a recipe (recipes/pretrain/*.json)',
      )
      .argument('<recipe>', 'recipe JSON file')
      .option(
        '--data <path>',
        "training images (sets data.path; default: the recipe's, else synthetic faces)",
      ),
    'train.batch=32',
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  faceclr pretrain recipes/pretrain/simclr-cpu.json --data ../shared/data/utkface/images --max-steps 5\n' +
        '  faceclr pretrain recipes/pretrain/moco-cpu.json --set train.batch=32 --out runs/moco32\n' +
        '  faceclr pretrain recipes/pretrain/moco-cpu.json --out runs/moco32 --resume\n' +
        '\nExit codes: 0 done (or stopped at --max-steps), 1 failed or interrupted (Ctrl-C saves a checkpoint), 2 bad input.',
    )
    .action(async (file: string, opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const sets: string[] = [...opts.set];
      if (opts.data !== undefined) sets.push(`data.path=${opts.data}`);
      if (opts.out !== undefined) sets.push(`output.dir=${opts.out}`);
      const json = Boolean(opts.json);
      let result: PretrainResult;
      let engine: BackendInfo;
      try {
        const recipe = absolutePaths(loadRecipe(file, sets));
        engine = await initBackend(globals.backend, { threads: globals.threads, announce: !json });
        const progress = throttledProgress(json);
        result = await withCtrlC((signal) =>
          pretrain(recipe, {
            resume: Boolean(opts.resume),
            maxSteps: opts.maxSteps,
            signal,
            reporter: trainingReporter(json, recipe.train.logEvery, 'pretrain'),
            onDataProgress: progress('decoding images into the cache'),
          }),
        );
      } catch (e) {
        if (e instanceof RecipeError || e instanceof PretrainSetupError || e instanceof DataError) {
          throw new UsageError(e.message);
        }
        throw e;
      }
      if (json) printJson({ ...engineFields(engine), ...result });
      else process.stdout.write(`${summary(result)}\n`);
      assertNotInterrupted(result);
    });
}
