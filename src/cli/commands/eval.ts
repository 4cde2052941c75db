/**
 * `faceclr eval lfw` (LFW verification, View 2 10-fold or View 1 split) and `faceclr probe` (kNN,
 * linear probe and 1:N identification on identity folders) for a model: `pixels` (raw-pixel
 * baseline), `random` (a randomly initialised backbone) or a faceclr checkpoint/export/run folder.
 *
 * Exit codes: 0 done; 1 the run failed; 2 a bad flag, folder, pairs file, fold or model.
 * Progress (with images/s) goes to stderr; `--json` prints only the result, as JSON, on stdout.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError } from 'commander';
import { flatFolderSource } from '../../data/folder_sources';
import { readLfwPairs } from '../../data/lfw_pairs';
import { initBackend } from '../../engine/backend';
import { checkpointEmbedder } from '../../eval/checkpoint_embedder';
import { embedSource } from '../../eval/embed_source';
import { randomEmbedder, type Embedder } from '../../eval/embedder';
import { evaluateLfw, type LfwEvalResult } from '../../eval/lfw';
import { PixelsEmbedder } from '../../eval/pixels_embedder';
import { BACKBONE_NAMES, isBackboneName } from '../../models/registry';
import { UsageError } from '../errors';
import { engineFields, formatNumber, printJson, table } from '../output';
import { asUsage, intArg } from '../args';
import { progress } from '../progress';

/**
 * `6-10`, `1,3,5` or `7` → sorted 1-based fold numbers in 1..`max`.
 * @throws UsageError naming `--folds` and the value.
 */
export function parseFolds(value: string, max: number): number[] {
  const folds = new Set<number>();
  for (const part of value.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const [a, b] = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [NaN, NaN];
    if (!(a >= 1 && b >= a && b <= max)) {
      throw new UsageError(
        `--folds must name folds in 1-${max} like '6-10' or '1,3,5', got '${value}'`,
      );
    }
    for (let f = a; f <= b; f++) folds.add(f);
  }
  return [...folds].sort((x, y) => x - y);
}

export function fractionArg(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1))
    throw new InvalidArgumentError(`must be a number in (0, 1], got '${value}'`);
  return n;
}

export interface ModelFlags {
  model: string;
  backbone: string;
  seed: number;
  inputSize?: number;
  crop: number;
}

/** The embedder `--model` names: `pixels`, `random`, or a checkpoint path. */
export async function openEmbedder(flags: ModelFlags): Promise<Embedder> {
  if (flags.model === 'pixels') return new PixelsEmbedder({ crop: flags.crop });
  if (flags.model === 'random') {
    if (!isBackboneName(flags.backbone)) {
      throw new UsageError(
        `--backbone must be one of ${BACKBONE_NAMES.join(' | ')}, got '${flags.backbone}'`,
      );
    }
    const { backbone, seed, inputSize, crop } = flags;
    return randomEmbedder({ backbone, seed, inputSize, crop });
  }
  return checkpointEmbedder(flags.model, { inputSize: flags.inputSize, crop: flags.crop });
}

/** A progress reporter per stage (decode, embed), silent with `--json`. */
export function stageProgress(quiet: boolean) {
  let current: { stage: string; bar: ReturnType<typeof progress> } | undefined;
  return {
    update(stage: string, done: number, total: number) {
      if (stage === 'probe') return;
      if (current?.stage !== stage) {
        current?.bar.stop();
        const label = stage === 'decode' ? 'decoding images into the cache' : 'embedding';
        current = { stage, bar: progress(label, total, quiet) };
      }
      current.bar.update(done);
    },
    stop: () => current?.bar.stop(),
  };
}

export function withModelOptions(command: Command): Command {
  return command
    .requiredOption(
      '--model <model>',
      "'pixels', 'random', or a checkpoint / backbone export / run folder",
    )
    .requiredOption('--data <dir>', 'dataset folder')
    .option(
      '--no-flip',
      'do not flip-sum the embeddings (models flip-sum by default; pixels never do)',
    )
    .option(
      '--crop <fraction>',
      'centre crop before resizing to the model input',
      fractionArg,
      0.75,
    )
    .option(
      '--input-size <n>',
      'model input side (random: default 64; checkpoints: their recipe)',
      intArg(1),
    )
    .option(
      '--backbone <name>',
      `random: the backbone (${BACKBONE_NAMES.join(' | ')})`,
      'resnet18-narrow',
    )
    .option('--seed <n>', 'random: the initialisation seed; probe: the split seed', intArg(0), 0)
    .option('--batch <n>', 'images per forward pass', intArg(1), 256)
    .option(
      '--cache-dir <dir>',
      'decoded-image cache folder (default FACECLR_CACHE, else .cache/faceclr)',
    )
    .option('--json', 'print machine-readable results only');
}

export function requireDir(flag: string, dir: string): string {
  const full = path.resolve(dir);
  if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) {
    throw new UsageError(`${flag} '${full}' does not exist or is not a folder`);
  }
  return full;
}

/** A pairs file as given, else relative to the LFW folder (`--pairs pairsDevTest.txt`). */
function pairsPath(flag: string, value: string, dataDir: string): string {
  const inData = path.resolve(dataDir, value);
  const full = fs.existsSync(path.resolve(value)) ? path.resolve(value) : inData;
  if (!fs.existsSync(full))
    throw new UsageError(`${flag} '${value}' does not exist (nor ${inData})`);
  return full;
}

function lfwTable(r: LfwEvalResult): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const folds =
    r.foldIds.length > 0 ? `folds ${r.foldIds.join(',')}` : 'threshold from --train-pairs';
  return table([
    ['model', r.model],
    [
      'protocol',
      `${r.protocol} (${folds}), ${r.flip ? 'flip-sum' : 'no flip'}, ${r.inputSize}x${r.inputSize} crop ${r.crop}`,
    ],
    ['accuracy', `${pct(r.accuracy)} ± ${pct(r.std)}`],
    ['per fold', r.folds.map((a) => (100 * a).toFixed(1)).join(' ')],
    ['threshold (cosine)', r.threshold],
    ['AUC', r.auc],
    ['EER', pct(r.eer)],
    ['TAR @ FAR 1e-2', pct(r.tarAtFar['1e-2'])],
    ['TAR @ FAR 1e-3', pct(r.tarAtFar['1e-3'])],
    ['pairs / images', `${r.pairs} / ${r.images}`],
    [
      'time',
      `${formatNumber(r.seconds)} s (decode ${formatNumber(r.decodeSeconds)} s, embed ${formatNumber(r.embedSeconds)} s at ${r.imagesPerSecond.toFixed(0)} img/s)`,
    ],
  ]);
}

function lfwCommand(): Command {
  return withModelOptions(new Command('lfw'))
    .description('LFW verification: 10-fold View 2 (pairs.txt), or View 1 with --train-pairs')
    .option('--pairs <file>', 'pairs file (in --data or a path)', 'pairs.txt')
    .option('--train-pairs <file>', 'View 1: pairs that choose the threshold (pairsDevTrain.txt)')
    .option('--folds <list>', "View 2 folds to evaluate, 1-based: '6-10', '1,3,5' (default all)")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  faceclr eval lfw --model pixels --data ../shared/data/lfw\n' +
        '  faceclr eval lfw --model random --data ../shared/data/lfw --json\n' +
        '  faceclr eval lfw --model runs/simclr-cpu --data ../shared/data/lfw --folds 6-10\n' +
        '  faceclr eval lfw --model runs/simclr-cpu --data ../shared/data/lfw --pairs pairsDevTest.txt --train-pairs pairsDevTrain.txt',
    )
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const json = Boolean(opts.json);
      const dataDir = requireDir('--data', opts.data);
      const imagesRoot = requireDir('--data images folder', path.join(dataDir, 'images'));
      const pairsFile = pairsPath('--pairs', opts.pairs, dataDir);
      const trainPairsFile =
        opts.trainPairs && pairsPath('--train-pairs', opts.trainPairs, dataDir);
      const pairs = await asUsage(async () =>
        readLfwPairs(pairsFile, { imagesRoot, checkImages: false }),
      );
      if (opts.folds !== undefined && trainPairsFile) {
        throw new UsageError('--folds applies to the 10-fold protocol, not with --train-pairs');
      }
      const folds =
        opts.folds === undefined ? undefined : parseFolds(opts.folds, pairs.folds.length);
      const engine = await initBackend(globals.backend, {
        threads: globals.threads,
        announce: !json,
      });
      const embedder = await asUsage(() => openEmbedder(opts));
      const bar = stageProgress(json);
      let result: LfwEvalResult;
      try {
        result = await asUsage(() =>
          evaluateLfw({
            embedder,
            pairsFile,
            imagesRoot,
            trainPairsFile,
            folds,
            flip: opts.flip,
            batchSize: opts.batch,
            cacheDir: opts.cacheDir,
            onProgress: bar.update,
          }),
        );
      } finally {
        bar.stop();
        embedder.dispose();
      }
      if (json) printJson({ ...engineFields(engine), ...result });
      else process.stdout.write(`${lfwTable(result)}\n`);
    });
}

/** `faceclr eval embed`: time decoding and embedding every image of a folder (nothing is written). */
function embedCommand(): Command {
  return withModelOptions(new Command('embed'))
    .description(
      'embed every image of a folder (any depth) and report the time: the evaluation benchmark',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr eval embed --model random --data ../shared/data/lfw/images --json',
    )
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const json = Boolean(opts.json);
      const root = requireDir('--data', opts.data);
      const source = await asUsage(async () => flatFolderSource(root));
      const backend = await initBackend(globals.backend, {
        threads: globals.threads,
        announce: !json,
      });
      const embedder = await asUsage(() => openEmbedder(opts));
      const bar = stageProgress(json);
      const started = performance.now();
      let embedded: Awaited<ReturnType<typeof embedSource>>;
      try {
        embedded = await asUsage(() =>
          embedSource(embedder, source, {
            cacheDir: opts.cacheDir,
            cacheName: 'embed',
            flip: opts.flip,
            batchSize: opts.batch,
            onProgress: bar.update,
          }),
        );
      } finally {
        bar.stop();
        embedder.dispose();
      }
      const result = {
        model: embedder.name,
        backend: backend.backend,
        threads: backend.threads,
        images: embedded.rows.length,
        dim: embedded.rows[0]?.length ?? 0,
        flip: embedder.flips && opts.flip !== false,
        inputSize: embedder.inputSize,
        batch: opts.batch,
        seconds: (performance.now() - started) / 1000,
        decodeSeconds: embedded.decodeSeconds,
        embedSeconds: embedded.embedSeconds,
        imagesPerSecond: embedded.rows.length / Math.max(embedded.embedSeconds, 1e-9),
      };
      if (json) return printJson(result);
      process.stdout.write(
        `${table([
          [
            'model',
            `${result.model}, ${result.flip ? 'flip-sum' : 'no flip'}, batch ${result.batch}`,
          ],
          ['backend', `${result.backend} (${result.threads} threads)`],
          ['images', `${result.images} (dim ${result.dim})`],
          ['decode', `${formatNumber(result.decodeSeconds)} s`],
          [
            'embed',
            `${formatNumber(result.embedSeconds)} s (${result.imagesPerSecond.toFixed(0)} img/s)`,
          ],
          ['total', `${formatNumber(result.seconds)} s`],
        ])}\n`,
      );
    });
}

/** `faceclr eval` (`lfw`, `embed`); `faceclr probe` is in probe.ts. */
export function evalCommands(): Command[] {
  const evalCommand = new Command('eval').description(
    'evaluate a model: LFW verification (lfw), embedding speed (embed); see also `faceclr probe`',
  );
  evalCommand.addCommand(lfwCommand());
  evalCommand.addCommand(embedCommand());
  return [evalCommand];
}
