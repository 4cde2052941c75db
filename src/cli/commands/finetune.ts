/**
 * `faceclr finetune <recipe>`: supervised fine-tuning with a margin loss as a recipe describes it
 * (recipes/finetune/*.json), from scratch or `--from` a pretraining run, ending with the
 * held-out LFW verification when the recipe has one (`eval-lfw.json` in the run folder).
 *
 * Exit codes as `pretrain`: 0 done (or stopped at --max-steps); 1 failed (NaN/Inf loss) or
 * interrupted by Ctrl-C (after a checkpoint; a second Ctrl-C quits with 130); 2 a bad recipe,
 * flag, data folder, `--from`, identity leak, locked folder or mismatched resume.
 */
import * as path from 'path';
import { Command } from 'commander';
import { DataError } from '../../data/errors';
import { initBackend, type BackendInfo } from '../../engine/backend';
import { EvalInputError } from '../../eval/errors';
import { finetune, type FinetuneResult } from '../../finetune';
import { loadFinetuneRecipe, RecipeError, SYNTH_DATA, type FinetuneRecipe } from '../../recipes';
import { PretrainSetupError } from '../../train/errors';
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

/** `1-5`, `6,7,8` or `1-3,9` → sorted fold numbers in 1..10. */
export function parseFolds(text: string): number[] {
  const folds = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!(a >= 1 && b <= 10 && a <= b)) {
      throw new UsageError(
        `--lfw-train-folds must be folds in 1..10 like 1-5 or 1,3,5, got '${text}'`,
      );
    }
    for (let f = a; f <= b; f++) folds.add(f);
  }
  return [...folds].sort((x, y) => x - y);
}

/** Recipe paths made absolute against the working directory (what `recipe.json` records). */
export function absoluteFinetunePaths(recipe: FinetuneRecipe): FinetuneRecipe {
  const out = structuredClone(recipe);
  if (out.data.path !== SYNTH_DATA) out.data.path = path.resolve(out.data.path);
  if (out.data.cacheDir !== null) out.data.cacheDir = path.resolve(out.data.cacheDir);
  if (out.eval.lfwPairs !== null) out.eval.lfwPairs = path.resolve(out.eval.lfwPairs);
  if (out.from !== null) out.from = path.resolve(out.from);
  out.output.dir = path.resolve(out.output.dir);
  return out;
}

function summary(result: FinetuneResult): string {
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const rows: (string | number)[][] = [
    ['status', result.status],
    [
      'steps',
      `${result.step}/${result.totalSteps}${result.startStep ? ` (resumed at ${result.startStep})` : ''}`,
    ],
    ['data', `${result.images} images of ${result.classes} identities`],
    ['from', result.from === null ? 'scratch' : rel(result.from)],
    ['last loss', result.lastLoss ?? '-'],
    ['images/s', result.imagesPerSecond],
    ['elapsed', `${formatNumber(result.elapsedSeconds)} s`],
    ['embedding std', result.embeddingStd ?? '-'],
  ];
  const e = result.evaluation;
  if (e) {
    rows.push([
      'LFW',
      `${(100 * e.accuracy).toFixed(2)} ± ${(100 * e.std).toFixed(2)} % on folds ${e.foldIds.join(',')} (${e.pairs} pairs, AUC ${e.auc.toFixed(4)})`,
    ]);
    rows.push(['eval', rel(path.join(result.outputDir, 'eval-lfw.json'))]);
  }
  rows.push(...runFileRows(result));
  return table(rows);
}

export function finetuneCommand(): Command {
  return withTrainingRunOptions(
    new Command('finetune')
      .description(
        'supervised fine-tuning with a margin loss from a recipe (recipes/finetune/*.json)',
      )
      .argument('<recipe>', 'fine-tuning recipe JSON file')
      .option(
        '--from <dir>',
        'pretraining run folder, checkpoint or backbone export (default: from scratch)',
      )
      .option(
        '--data <path>',
        'identity folders, or the LFW folder with --lfw-train-folds (sets data.path)',
      )
      .option(
        '--lfw-train-folds <folds>',
        'train on the people of these LFW View 2 folds, e.g. 1-5 (sets data.lfwTrainFolds)',
        parseFolds,
      )
      .option('--no-eval', 'skip the held-out LFW evaluation at the end'),
    'margin.scale=32',
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  faceclr finetune recipes/finetune/arcface-cpu.json --data ../shared/data/lfw --lfw-train-folds 1-5 --max-steps 20\n' +
        '  faceclr finetune recipes/finetune/arcface-cpu.json --from runs/simclr-cpu --data ../shared/data/lfw --lfw-train-folds 6-10\n' +
        '  faceclr finetune recipes/finetune/cosface-cpu.json --out runs/cosface --resume\n' +
        '\nExit codes: 0 done (or stopped at --max-steps), 1 failed or interrupted (Ctrl-C saves a checkpoint), 2 bad input.',
    )
    .action(async (file: string, opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const sets: string[] = [...opts.set];
      if (opts.data !== undefined) sets.push(`data.path=${opts.data}`);
      if (opts.from !== undefined) sets.push(`from=${opts.from}`);
      if (opts.lfwTrainFolds !== undefined)
        sets.push(`data.lfwTrainFolds=${JSON.stringify(opts.lfwTrainFolds)}`);
      if (opts.out !== undefined) sets.push(`output.dir=${opts.out}`);
      const json = Boolean(opts.json);
      let result: FinetuneResult;
      let engine: BackendInfo;
      try {
        const recipe = absoluteFinetunePaths(loadFinetuneRecipe(file, sets));
        engine = await initBackend(globals.backend, { threads: globals.threads, announce: !json });
        const progress = throttledProgress(json);
        result = await withCtrlC((signal) =>
          finetune(recipe, {
            resume: Boolean(opts.resume),
            maxSteps: opts.maxSteps,
            signal,
            reporter: trainingReporter(json, recipe.train.logEvery, 'finetune'),
            evaluate: opts.eval !== false,
            onDataProgress: progress('decoding images into the cache'),
            onEvalProgress: (stage, done, total) =>
              progress(`LFW evaluation, ${stage}`)(done, total),
          }),
        );
      } catch (e) {
        if (
          e instanceof RecipeError ||
          e instanceof PretrainSetupError ||
          e instanceof DataError ||
          e instanceof EvalInputError
        ) {
          throw new UsageError(e.message);
        }
        throw e;
      }
      if (json) printJson({ ...engineFields(engine), ...result });
      else process.stdout.write(`${summary(result)}\n`);
      assertNotInterrupted(result);
    });
}
