/**
 * `faceclr embed <images...>` writes embeddings (JSON or a float32 binary matrix) and
 * `faceclr verify <a> <b>` answers "same person?" with the cosine score and the threshold.
 * Both embed like the evaluation does (centre crop, resize, flip-sum, L2-normalise).
 */
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { decodeImage } from '../../data/decode';
import { initBackend } from '../../engine/backend';
import { cosine } from '../../eval/embed_source';
import type { Embedder } from '../../eval/embedder';
import { findThreshold } from '../../export/export_backbone';
import { writeFileAtomic } from '../../data/atomic_write';
import { UsageError } from '../errors';
import { printJson, table } from '../output';
import { openEmbedder, type ModelFlags } from './eval';

/** Side the photos are decoded to before the embedder's crop and resize (LFW's layout). */
const DECODE_SIZE = 128;

function numberArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`must be a number, got '${value}'`);
  return n;
}

function modelOptions(command: Command): Command {
  return command
    .requiredOption(
      '--model <model>',
      "a checkpoint / backbone export / run folder, 'random' or 'pixels'",
    )
    .option('--crop <fraction>', 'centre crop before resizing to the model input', numberArg, 0.75)
    .option('--no-flip', 'do not flip-sum the embeddings')
    .option('--json', 'print machine-readable results only');
}

async function embedFiles(
  files: string[],
  opts: { model: string; crop: number; flip: boolean },
  globals: { backend?: string; threads?: number },
) {
  for (const file of files) {
    if (!fs.existsSync(file)) throw new UsageError(`image '${file}' does not exist`);
  }
  await initBackend(globals.backend, { threads: globals.threads });
  const images = new Uint8Array(files.length * DECODE_SIZE * DECODE_SIZE * 3);
  for (let i = 0; i < files.length; i++) {
    try {
      images.set(
        await decodeImage(files[i], { size: DECODE_SIZE }),
        i * DECODE_SIZE * DECODE_SIZE * 3,
      );
    } catch (e) {
      throw new UsageError(`cannot decode '${files[i]}': ${(e as Error).message}`);
    }
  }
  const flags: ModelFlags = {
    model: opts.model,
    backbone: 'resnet18-narrow',
    seed: 0,
    crop: opts.crop,
  };
  let embedder: Embedder | undefined;
  try {
    embedder = await openEmbedder(flags);
    const rows = await embedder.embed({ images, size: DECODE_SIZE }, { flip: opts.flip });
    return { rows, name: embedder.name };
  } finally {
    embedder?.dispose();
  }
}

export function embedCommand(): Command {
  return modelOptions(new Command('embed'))
    .description('embed images with a model; writes JSON (default) or a binary float32 matrix')
    .argument('<images...>', 'image files')
    .option(
      '--out <file>',
      'write here instead of stdout (.bin: raw float32 rows, N×D, little-endian)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr embed a.jpg b.jpg --model runs/finetune-arcface-cpu\n  faceclr embed photos/*.jpg --model model/ --out embeddings.bin',
    )
    .action(async (files: string[], opts, cmd: Command) => {
      const { rows, name } = await embedFiles(files, opts, cmd.optsWithGlobals());
      const dim = rows[0]?.length ?? 0;
      if (opts.out && path.extname(opts.out) === '.bin') {
        const matrix = new Float32Array(rows.length * dim);
        rows.forEach((r, i) => matrix.set(r, i * dim));
        await writeFileAtomic(opts.out, Buffer.from(matrix.buffer));
        if (!opts.json)
          process.stderr.write(`wrote ${rows.length}×${dim} float32 to ${opts.out}\n`);
        else printJson({ model: name, count: rows.length, dim, out: opts.out });
        return;
      }
      const doc = {
        model: name,
        dim,
        embeddings: files.map((file, i) => ({ file, embedding: Array.from(rows[i]) })),
      };
      if (opts.out) await writeFileAtomic(opts.out, `${JSON.stringify(doc)}\n`);
      else process.stdout.write(`${JSON.stringify(doc)}\n`);
    });
}

export function verifyCommand(): Command {
  return modelOptions(new Command('verify'))
    .description('same person? the cosine similarity of two photos against a threshold')
    .argument('<a>', 'first image')
    .argument('<b>', 'second image')
    .option(
      '--threshold <t>',
      "cosine threshold (default: the model's LFW evaluation threshold, if any)",
      numberArg,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr verify a.jpg b.jpg --model runs/finetune-arcface-cpu\n  faceclr verify a.jpg b.jpg --model model/ --threshold 0.3 --json',
    )
    .action(async (a: string, b: string, opts, cmd: Command) => {
      const found =
        opts.threshold === undefined && !['random', 'pixels'].includes(opts.model)
          ? findThreshold(opts.model)
          : undefined;
      const threshold: number | undefined = opts.threshold ?? found?.threshold;
      if (threshold === undefined) {
        throw new UsageError(
          `verify: no threshold given and none found in an eval*.json beside '${opts.model}'; pass --threshold`,
        );
      }
      const { rows, name } = await embedFiles([a, b], opts, cmd.optsWithGlobals());
      const score = cosine(rows[0], rows[1]);
      const same = score > threshold;
      const source = opts.threshold !== undefined ? '--threshold' : found!.file;
      if (opts.json)
        return printJson({ a, b, model: name, score, threshold, thresholdSource: source, same });
      process.stdout.write(
        `${table([
          ['same person', same ? 'yes' : 'no'],
          ['cosine', score.toFixed(4)],
          ['threshold', `${threshold.toFixed(4)} (${source})`],
          ['model', name],
        ])}\n`,
      );
    });
}
