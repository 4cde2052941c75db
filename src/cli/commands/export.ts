/**
 * `faceclr export <model> --out <dir>`: writes the backbone of a params folder, checkpoint or run
 * folder as a TensorFlow.js layers model (`model.json` + `weights.bin`) that plain
 * `@tensorflow/tfjs` loads, plus `faceclr-export.json` (input size, crop, normalisation, embedding
 * size, threshold). The written model is loaded back and compared with the backbone.
 *
 * Exit codes: 0 exported; 2 bad flags or a folder that is not a faceclr model; 1 the export failed
 * or the written model does not reproduce the backbone (relative error above 1e-3).
 */
import { Command } from 'commander';
import { initBackend } from '../../engine/backend';
import { EvalInputError } from '../../eval/errors';
import { exportBackbone, type ExportResult } from '../../export';
import { UsageError } from '../errors';
import { info, printJson, table } from '../output';

const MAX_RELATIVE_ERROR = 1e-3;

function parseNumber(flag: string, check: (n: number) => boolean, expected: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || !check(n))
      throw new UsageError(`${flag} must be ${expected}, got '${value}'`);
    return n;
  };
}

export function exportCommand(): Command {
  return new Command('export')
    .description('export a backbone as a TensorFlow.js layers model for tf.loadLayersModel')
    .argument('<model>', 'params folder (model.json), checkpoint folder (state.json) or run folder')
    .requiredOption('--out <dir>', 'output folder (model.json, weights.bin, faceclr-export.json)')
    .option(
      '--input-size <n>',
      "input side in pixels (default: the recipe's)",
      parseNumber('--input-size', (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1'),
    )
    .option(
      '--threshold <t>',
      'cosine threshold to record (default: from eval*.json in the run)',
      parseNumber('--threshold', (n) => n >= -1 && n <= 1, 'in [-1, 1]'),
    )
    .option('--no-verify', 'skip comparing the written model with the backbone')
    .option('--json', 'print machine-readable results only')
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr export runs/simclr-cpu --out exported/simclr\n  faceclr export runs/simclr-cpu/backbone --out exported/simclr --threshold 0.32 --json',
    )
    .action(async (source: string, opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const json = Boolean(opts.json);
      await initBackend(globals.backend, { threads: globals.threads, announce: !json });
      let result: ExportResult;
      try {
        result = await exportBackbone(source, opts.out, {
          inputSize: opts.inputSize,
          threshold: opts.threshold,
          verify: opts.verify,
        });
      } catch (e) {
        if (e instanceof EvalInputError) throw new UsageError(e.message);
        throw e;
      }
      const { metadata, maxRelativeError } = result;
      if (json) printJson(result);
      else {
        info(
          table([
            ['backbone', metadata.backbone],
            ['input', `${metadata.inputSize}×${metadata.inputSize}×3, crop ${metadata.crop}`],
            ['embedding', metadata.embeddingSize],
            ['threshold', metadata.threshold ?? '- (none found; browser default 0.3)'],
            [
              'verified',
              maxRelativeError === undefined
                ? 'skipped'
                : `max relative error ${maxRelativeError.toExponential(2)}`,
            ],
            ['written', result.outDir],
          ]),
        );
      }
      if (maxRelativeError !== undefined && !(maxRelativeError <= MAX_RELATIVE_ERROR)) {
        throw new Error(
          `export: the written model differs from the backbone (relative error ${maxRelativeError}, limit ${MAX_RELATIVE_ERROR})`,
        );
      }
    });
}
