import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { runDataBench } from '../../bench/data_bench';
import { runEngineBench } from '../../bench/engine_bench';
import { asUsage, intArg } from '../args';
import { UsageError } from '../errors';
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
  bench
    .command('data')
    .description(
      'time the input pipeline at 64x64: decode into a fresh cache, cached batches, augmentation (simclr 64, face 112), loader end to end',
    )
    .option(
      '--data <dir>',
      'folder of images at any depth (default: synthetic faces in a temp folder)',
    )
    .option('--images <n>', 'use only the first n images (default all; 512 synthetic)', intArg(1))
    .option('--batch <n>', 'images per batch', intArg(1), 128)
    .option('--seconds <s>', 'minimum seconds per timed stage', (v) => Number(v), 2)
    .option('--json', 'print machine-readable results only')
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr bench data\n  faceclr bench data --data ../shared/data/utkface/images --json',
    )
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      if (opts.data !== undefined && !fs.existsSync(opts.data)) {
        throw new UsageError(`bench data: --data '${path.resolve(opts.data)}' does not exist`);
      }
      if (!(opts.seconds >= 0)) {
        throw new UsageError(`bench data: --seconds must be >= 0, got '${opts.seconds}'`);
      }
      const result = await asUsage(() =>
        runDataBench({
          data: opts.data,
          images: opts.images,
          batch: opts.batch,
          minSeconds: opts.seconds,
          backend: globals.backend,
          threads: globals.threads,
          onStage: opts.json ? undefined : info,
        }),
      );
      if (opts.json) return printJson(result);
      const rows: (string | number)[][] = [
        ['backend', `${result.backend} (${result.threads} threads)`],
        ['data', `${result.data}: ${result.images} images, ${result.skipped} skipped`],
        ['decode images/s (first pass, 64x64)', result.decodeImagesPerSecond],
        ['cached images/s', result.cachedImagesPerSecond],
        [`augment views/s (simclr 64, batch ${result.batch})`, result.augmentViewsPerSecond],
        [`augment views/s (face 112, batch ${result.batch})`, result.augmentViewsPerSecond112],
        ['loader end-to-end views/s (64)', result.loaderViewsPerSecond],
      ];
      process.stdout.write(`${table(rows)}\n`);
    });
  return bench;
}
