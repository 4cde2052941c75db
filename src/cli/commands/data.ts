/**
 * `faceclr data`: synthetic faces (`synth`), an augmentation contact sheet (`preview`) and the
 * decoded uint8 cache (`cache`). Paths and data the user can fix are reported as `UsageError`
 * (exit 2); progress goes to stderr (a bar on a TTY, plain lines otherwise, nothing with `--json`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AUGMENT_PRESETS, AUGMENT_PRESET_NAMES, type AugmentPresetName } from '../../augment';
import { MultiViewTransform, renderPreviewGrid } from '../../augment';
import * as data from '../../data';
import { initBackend } from '../../engine/backend';
import { tf } from '../../engine/tf';
import { Rng } from '../../util/random';
import { UsageError } from '../errors';
import { asUsage, intArg } from '../args';
import { info, printJson, table } from '../output';
import { progress } from '../progress';

function requireExisting(command: string, what: string, target: string): string {
  const full = path.resolve(target);
  if (!fs.existsSync(full)) throw new UsageError(`${command}: ${what} '${full}' does not exist`);
  return full;
}

/** The source for `--kind`; `auto`: a file is a list, a folder of image folders is identities. */
function openSource(dataset: string, kind: string): { source: data.ImageSource; kind: string } {
  if (kind === 'auto') {
    if (fs.statSync(dataset).isFile()) kind = 'list';
    else {
      const entries = fs.readdirSync(dataset, { withFileTypes: true });
      const hasFolders = entries.some((e) => e.isDirectory() && !e.name.startsWith('.'));
      kind =
        hasFolders && !entries.some((e) => e.isFile() && data.isImageFile(e.name))
          ? 'identity'
          : 'folder';
    }
  }
  const source =
    kind === 'list'
      ? data.listFileSource(dataset)
      : kind === 'identity'
        ? data.identityFolderSource(dataset)
        : data.flatFolderSource(dataset);
  return { source, kind };
}

async function synth(opts: Record<string, number | string | boolean>): Promise<void> {
  const outDir = path.resolve(String(opts.out));
  const [identities, perIdentity] = [Number(opts.identities), Number(opts.imagesPerIdentity)];
  const total = identities * perIdentity;
  const started = Date.now();
  // generateSynthFaces writes outDir/id_XXXX/NNNN.png in order; follow the files it has written
  const files = (k: number) =>
    path.join(
      outDir,
      `id_${String(Math.floor(k / perIdentity)).padStart(4, '0')}`,
      `${String(k % perIdentity).padStart(4, '0')}.png`,
    );
  const bar = progress('synth', total, Boolean(opts.json));
  let written = 0;
  const poll = setInterval(() => {
    while (
      written < total &&
      (fs.statSync(files(written), { throwIfNoEntry: false })?.mtimeMs ?? 0) >= started - 50
    )
      written++;
    bar.update(written);
  }, 200);
  try {
    await asUsage(() =>
      data.generateSynthFaces({
        outDir,
        identities,
        imagesPerIdentity: perIdentity,
        size: Number(opts.size),
        seed: Number(opts.seed),
      }),
    );
  } finally {
    clearInterval(poll);
  }
  bar.update(total);
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  const result = {
    outDir,
    identities,
    imagesPerIdentity: perIdentity,
    images: total,
    size: Number(opts.size),
    seed: Number(opts.seed),
    seconds,
  };
  if (opts.json) return printJson(result);
  info(
    `wrote ${total} images of ${identities} identities (${result.size}x${result.size}) to ${outDir} in ${seconds.toFixed(1)} s`,
  );
}

async function preview(
  datasetArg: string,
  opts: Record<string, string | number | boolean>,
  globals: Record<string, unknown>,
): Promise<void> {
  const fn = 'data preview';
  const dataset = requireExisting(fn, 'dataset', datasetArg);
  const [size, count, seed] = [Number(opts.size), Number(opts.images), Number(opts.seed)];
  const preset = opts.preset as AugmentPresetName;
  const source = await asUsage(() => data.flatFolderSource(dataset));
  const rng = new Rng(seed);
  const picked: { file: string; rgb: Uint8Array }[] = [];
  for (const file of rng.shuffle([...source.paths])) {
    if (picked.length === count) break;
    const rgb = await data.decodeImage(file, { size }).catch(() => undefined);
    if (rgb) picked.push({ file, rgb });
  }
  if (picked.length === 0) throw new UsageError(`${fn}: no image in '${dataset}' could be decoded`);
  await initBackend(globals.backend as string | undefined, {
    threads: globals.threads as number | undefined,
  });
  // every view group scaled from the presets' 112 px to --size (swav's 48 px local crops scale too)
  const views = AUGMENT_PRESETS[preset].views.map((v) => ({
    size: Math.max(8, Math.round((v.size * size) / 112)),
  }));
  const transform = MultiViewTransform.fromPreset(preset, { views });
  const bytes = new Uint8Array(picked.length * size * size * 3);
  picked.forEach((p, k) => bytes.set(p.rgb, k * size * size * 3));
  const images = data.imagesToTensor(bytes, picked.length, size);
  const out = transform.apply(images, rng.fork('augment'));
  let png: Buffer;
  try {
    png = await renderPreviewGrid(
      picked.map((p) => ({ data: p.rgb, width: size, height: size })),
      out,
      size,
      { denormalize: transform.transforms[0].config.normalize },
    );
  } finally {
    tf.dispose([images, ...out]);
  }
  const outPath = path.resolve(String(opts.out));
  await fs.promises.mkdir(path.dirname(outPath), { recursive: true });
  await fs.promises.writeFile(outPath, png);
  const result = {
    out: outPath,
    preset,
    rows: picked.length,
    columns: 1 + transform.viewCount,
    tile: size,
    files: picked.map((p) => p.file),
  };
  if (opts.json) return printJson(result);
  info(
    `wrote ${outPath}: ${result.rows} images x (original + ${transform.viewCount} ${preset} views), ${size} px tiles`,
  );
}

async function cache(
  datasetArg: string,
  opts: Record<string, string | number | boolean>,
): Promise<void> {
  const dataset = requireExisting('data cache', 'dataset', datasetArg);
  const { source, kind } = await asUsage(() => openSource(dataset, String(opts.kind)));
  const bar = progress('decode', source.paths.length, Boolean(opts.json));
  const started = Date.now();
  let built: data.CacheBuildResult;
  try {
    built = await asUsage(() =>
      data.buildCache(source, {
        size: Number(opts.size),
        crop: opts.crop === undefined ? undefined : Number(opts.crop),
        cacheDir: opts.cacheDir as string | undefined,
        force: Boolean(opts.force),
        onProgress: (done) => bar.update(done),
      }),
    );
  } finally {
    bar.stop();
  }
  const { index } = built;
  const result = {
    dataset,
    kind,
    size: index.params.size,
    crop: index.params.crop,
    count: index.count,
    skipped: index.skipped,
    seconds: (Date.now() - started) / 1000,
    rebuilt: built.rebuilt,
    reason: built.reason ?? null,
    indexPath: built.indexPath,
    binPath: built.binPath,
  };
  if (opts.json) return printJson(result);
  const rows: (string | number)[][] = [
    ['images', index.count],
    ['skipped', index.skipped.length],
    ['seconds', result.seconds],
    ['cache', built.rebuilt ? `built (${built.reason})` : 'fresh, reused'],
    ['index', built.indexPath],
  ];
  process.stdout.write(`${table(rows)}\n`);
  for (const s of index.skipped) process.stdout.write(`skipped ${s.path}: ${s.reason}\n`);
}

export function dataCommand(): Command {
  const cmd = new Command('data').description(
    'synthetic faces, augmentation previews and the decoded-image cache',
  );
  cmd
    .command('synth')
    .description('write a synthetic identity-folder dataset (outDir/id_XXXX/NNNN.png)')
    .requiredOption('--out <dir>', 'folder to write into')
    .option('--identities <n>', 'identities', intArg(1), 20)
    .option('--images-per-identity <n>', 'images per identity', intArg(1), 8)
    .option('--size <n>', 'image side in pixels', intArg(8), 64)
    .option('--seed <n>', 'seed', intArg(0), 0)
    .option('--json', 'print machine-readable results only')
    .action((opts) => synth(opts));
  cmd
    .command('preview <dataset>')
    .description(
      'augment a few images of a folder (identity or flat) and write a PNG grid: rows = images, columns = original + views',
    )
    .requiredOption('--out <file>', 'PNG to write')
    .addOption(
      new Option('--preset <name>', 'augmentation preset')
        .choices(AUGMENT_PRESET_NAMES)
        .default('simclr'),
    )
    .option('--size <n>', 'decode and tile side (view sides scale with it)', intArg(8), 64)
    .option('--images <n>', 'rows', intArg(1), 8)
    .option('--seed <n>', 'seed (which images, which augmentations)', intArg(0), 0)
    .option('--json', 'print machine-readable results only')
    .action((dataset: string, opts, c: Command) => preview(dataset, opts, c.optsWithGlobals()));
  cmd
    .command('cache <dataset>')
    .description('decode a dataset into the uint8 cache (reused when fresh); lists skipped files')
    .option('--size <n>', 'image side in pixels', intArg(1), 112)
    .option('--crop <f>', 'center crop: fraction of the shorter side in (0, 1], or pixels', (v) => {
      const f = Number(v);
      if (!(f > 0) || (f > 1 && !Number.isInteger(f)))
        throw new InvalidArgumentError(`must be a fraction in (0, 1] or whole pixels, got '${v}'`);
      return f;
    })
    .addOption(
      new Option('--kind <kind>', 'auto: a file is a list, a folder of image folders is identities')
        .choices(['auto', 'folder', 'identity', 'list'])
        .default('auto'),
    )
    .option('--cache-dir <dir>', 'cache folder (default FACECLR_CACHE, else .cache/faceclr)')
    .option('--force', 'rebuild even when the cache is fresh')
    .option('--json', 'print machine-readable results only')
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr data cache ../shared/data/utkface/images --size 64\n  faceclr data cache ../shared/data/lfw/images --kind identity --crop 0.75 --json',
    )
    .action((dataset: string, opts) => cache(dataset, opts));
  return cmd;
}
