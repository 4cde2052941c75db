/**
 * `faceclr probe`: kNN (cosine, k 20, similarity-weighted), a linear probe and 1:N identification
 * on identity folders, with a seeded per-person train/test split, for the same models as
 * `faceclr eval lfw` (`pixels`, `random`, or a checkpoint / export / run folder).
 */
import { Command } from 'commander';
import { initBackend } from '../../engine/backend';
import { evaluateProbe, type ProbeEvalResult } from '../../eval/probe';
import { asUsage, intArg } from '../args';
import { UsageError } from '../errors';
import { engineFields, formatNumber, info, printJson, table } from '../output';
import { fractionArg, openEmbedder, requireDir, stageProgress, withModelOptions } from './eval';

function probeTable(r: ProbeEvalResult): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return table([
    ['model', r.model],
    [
      'data',
      `${r.identities} people, ${r.images} images (${r.trainImages} train / ${r.testImages} test)`,
    ],
    ['kNN top-1 (k 20)', pct(r.knnTop1)],
    ['linear probe top-1', `${pct(r.linearTop1)} (train ${pct(r.linearTrainTop1)})`],
    ['identification rank-1', pct(r.rank1)],
    ['identification rank-5', pct(r.rank5)],
    [
      'time',
      `${formatNumber(r.seconds)} s (embed ${formatNumber(r.embedSeconds)} s at ${r.imagesPerSecond.toFixed(0)} img/s)`,
    ],
  ]);
}

export function probeCommand(): Command {
  return withModelOptions(new Command('probe'))
    .description(
      'kNN (k 20), linear probe and 1:N identification on identity folders, a seeded per-person split',
    )
    .option('--min-images <n>', 'keep people with at least this many images', intArg(2), 10)
    .option(
      '--train-fraction <f>',
      "fraction of each person's images used for training",
      fractionArg,
      0.5,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr probe --model pixels --data ../shared/data/lfw/images --min-images 10 --json',
    )
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const json = Boolean(opts.json);
      const root = requireDir('--data', opts.data);
      if (opts.trainFraction >= 1)
        throw new UsageError(`--train-fraction must be < 1, got '${opts.trainFraction}'`);
      const engine = await initBackend(globals.backend, {
        threads: globals.threads,
        announce: !json,
      });
      const embedder = await asUsage(() => openEmbedder(opts));
      const bar = stageProgress(json);
      let result: ProbeEvalResult;
      try {
        result = await asUsage(() =>
          evaluateProbe({
            embedder,
            root,
            minImages: opts.minImages,
            trainFraction: opts.trainFraction,
            seed: opts.seed,
            flip: opts.flip,
            batchSize: opts.batch,
            cacheDir: opts.cacheDir,
            onProgress: (stage, done, total) => {
              bar.update(stage, done, total);
              if (stage === 'probe' && done === 0 && !json)
                info('fitting the kNN, linear and identification probes');
            },
          }),
        );
      } finally {
        bar.stop();
        embedder.dispose();
      }
      if (json) printJson({ ...engineFields(engine), ...result });
      else process.stdout.write(`${probeTable(result)}\n`);
    });
}
