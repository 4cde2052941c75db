import { Command } from 'commander';
import { runEngineBench } from '../../bench/engine_bench';
import { info, printJson, table } from '../output';

export function benchCommand(): Command {
  const bench = new Command('bench').description(
    'measure speed and memory (benchmarks, not tests)',
  );
  bench
    .command('engine')
    .description(
      'time the reference training step (resnet18-narrow, 2x64 views at 64x64, NT-Xent, Adam)',
    )
    .option('--batch <n>', 'images per view', (v) => parseInt(v, 10), 64)
    .option('--size <n>', 'image side', (v) => parseInt(v, 10), 64)
    .option('--steps <n>', 'timed steps (median reported)', (v) => parseInt(v, 10), 5)
    .option('--warmup <n>', 'untimed warm-up steps', (v) => parseInt(v, 10), 2)
    .option('--compare <backend>', "also time one step on 'cpu' and print the speed ratio")
    .option(
      '--compare-batch <n>',
      'images per view for the comparison step',
      (v) => parseInt(v, 10),
      4,
    )
    .option('--profile', 'print a per-kernel profile of one step')
    .option('--json', 'print machine-readable results only')
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr bench engine\n  faceclr bench engine --compare cpu --json\n  faceclr bench engine --profile --steps 3',
    )
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      if (opts.compare !== undefined && opts.compare !== 'cpu') {
        throw new (await import('../errors')).UsageError(
          `--compare must be 'cpu', got '${opts.compare}'`,
        );
      }
      const result = await runEngineBench({
        backend: globals.backend,
        threads: globals.threads,
        batch: opts.batch,
        size: opts.size,
        steps: opts.steps,
        warmup: opts.warmup,
        compareCpu: opts.compare === 'cpu',
        compareBatch: opts.compareBatch,
        profile: Boolean(opts.profile),
        onStep: opts.json
          ? undefined
          : (done, total, ms) => info(`step ${done}/${total}: ${ms.toFixed(0)} ms`),
      });
      if (opts.json) return printJson(result);
      const rows: (string | number)[][] = [
        ['backend', `${result.backend} (${result.threads} threads)`],
        ['batch', `2 x ${result.batch} views at ${result.size}x${result.size}`],
        ['ms/step (median)', result.msPerStep],
        ['images/s', result.imagesPerSecond],
        ['step GFLOP/s (nominal)', result.stepGflops],
        ['matMul GFLOP/s', result.matmulGflops],
        ['roofline fraction', result.rooflineFraction],
        ['peak RSS MB', result.peakRssMb],
        ['tensors before/after', `${result.tensorsBefore}/${result.tensorsAfter}`],
      ];
      if (result.compare) {
        rows.push([
          'cpu ms/step',
          `${result.compare.msPerStep.toFixed(0)} (2 x ${result.compare.batch} views)`,
        ]);
        rows.push(['cpu images/s', result.compare.imagesPerSecond]);
        rows.push(['speed ratio vs cpu', result.compare.speedRatio]);
      }
      process.stdout.write(`${table(rows)}\n`);
      if (result.profile) {
        process.stdout.write('\nper-kernel profile of one step:\n');
        const top = result.profile
          .slice(0, 20)
          .map((r) => [r.kernel, r.ms, r.calls, `${(100 * r.share).toFixed(1)}%`]);
        process.stdout.write(`${table([['kernel', 'ms', 'calls', 'share'], ...top])}\n`);
      }
    });
  return bench;
}
