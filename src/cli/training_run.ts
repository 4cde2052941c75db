/**
 * What `pretrain`, `finetune` and `demo` share around a training run: Ctrl-C handling (finish
 * the step, save, exit 1; a second Ctrl-C quits at once with 130), the progress reporter (a bar
 * on a terminal, plain lines otherwise, nothing with `--json`) and throttled progress lines.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { barReporter, lineReporter, silentReporter, type ProgressReporter } from '../train/monitor';
import { collectSets, positiveInt } from './args';
import { info } from './output';

/** The options of every training command: --out, --max-steps, --set, --resume, --json. */
export function withTrainingRunOptions(command: Command, setExample: string): Command {
  return command
    .option('--out <dir>', 'run folder (sets output.dir)')
    .option(
      '--max-steps <n>',
      'stop after this many steps in total (the schedule still spans train.steps)',
      positiveInt('--max-steps'),
    )
    .option(
      '--set <key=value>',
      `override a recipe field, e.g. --set ${setExample} (repeatable)`,
      collectSets,
      [],
    )
    .option('--resume', 'continue from the latest checkpoint in the run folder')
    .option('--json', 'print machine-readable results only');
}

/** The last rows of a training summary: where the run's files are, and its warnings. */
export function runFileRows(result: {
  checkpoint: string;
  backboneDir: string;
  outputDir: string;
  recipeHash: string;
  warnings: readonly unknown[];
}): (string | number)[][] {
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const rows: (string | number)[][] = [
    ['checkpoint', rel(result.checkpoint)],
    ['backbone', rel(result.backboneDir)],
    ['recipe', `${rel(path.join(result.outputDir, 'recipe.json'))} (${result.recipeHash})`],
  ];
  if (result.warnings.length > 0) rows.push(['warnings', result.warnings.length]);
  return rows;
}

/** A bar on a TTY, lines every `logEvery` steps otherwise, silence for `--json`. */
export function trainingReporter(json: boolean, logEvery: number, label: string): ProgressReporter {
  if (json) return silentReporter;
  return process.stderr.isTTY ? barReporter(label) : lineReporter(undefined, logEvery, label);
}

/** `(done, total)` callbacks printing `<what>: done/total` at most every 2 s (and at the end). */
export function throttledProgress(json: boolean) {
  let lastShown = 0;
  return (what: string) => (done: number, total: number) => {
    if (json || (done !== total && Date.now() - lastShown <= 2000)) return;
    lastShown = Date.now();
    info(`${what}: ${done}/${total}`);
  };
}

/** Runs `work(signal)` with Ctrl-C turned into an abort of `signal` for as long as it runs. */
export async function withCtrlC<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    info(
      '\nfaceclr: stopping after the current step and saving a checkpoint (Ctrl-C again to quit now)',
    );
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** After a run: an interrupted one is a failed run (exit 1) that says how to continue. */
export function assertNotInterrupted(result: { status: string; step: number }): void {
  if (result.status === 'interrupted') {
    throw new Error(`interrupted at step ${result.step}; checkpoint saved, continue with --resume`);
  }
}
