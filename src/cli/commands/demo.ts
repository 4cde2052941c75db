import { Command } from 'commander';
import { runDemo } from '../../demo/demo';
import { initBackend } from '../../engine/backend';
import { trainingReporter } from '../training_run';
import { info, printJson, table } from '../output';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'the whole pipeline offline on synthetic faces: SimCLR pretraining, ArcFace fine-tuning, verification against random-init and raw-pixel baselines',
    )
    .option('--out <dir>', 'run folder (replaced)', 'runs/demo')
    .option('--seed <n>', 'seed of every random choice', (v) => parseInt(v, 10), 0)
    .option('--steps <n>', 'steps of each training stage (default: the demo recipes, 150)', (v) =>
      parseInt(v, 10),
    )
    .option('--json', 'print machine-readable results only')
    .addHelpText('after', '\nExamples:\n  faceclr demo\n  faceclr demo --steps 30 --json')
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const backend = await initBackend(globals.backend, {
        threads: globals.threads,
        announce: !opts.json,
      });
      const reporter = (stage: string) => trainingReporter(Boolean(opts.json), 25, stage);
      const result = await runDemo({
        out: opts.out,
        seed: opts.seed,
        steps: opts.steps,
        reporter,
        log: opts.json ? undefined : info,
      });
      if (opts.json)
        return printJson({ backend: backend.backend, threads: backend.threads, ...result });
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      process.stdout.write(
        `\nVerification on the ${result.pairs} pairs of held-out folds ${result.folds.join(',')} (10-fold protocol, identity-disjoint):\n`,
      );
      process.stdout.write(
        `${table([['model', 'accuracy', '± std', 'AUC'], ...result.rows.map((r) => [r.model, pct(r.accuracy), pct(r.std), r.auc.toFixed(3)])])}\n`,
      );
      const s = result.seconds;
      process.stdout.write(
        `\nwall time ${s.total.toFixed(0)} s (synth ${s.synth.toFixed(0)}, pretrain ${s.pretrain.toFixed(0)}, finetune ${s.finetune.toFixed(0)}, baselines ${s.evaluate.toFixed(0)}) on ${backend.backend} with ${backend.threads} threads\nreport: ${result.report}\n`,
      );
    });
}
