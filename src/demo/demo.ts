/**
 * `faceclr demo`: the whole pipeline offline on synthetic faces, in minutes on 2 cores.
 *
 * 1. Synthetic unlabeled faces (recipe `data.path: synth`) and a synthetic LFW (`images/` +
 *    identity-disjoint 10-fold `pairs.txt`) of other identities.
 * 2. SimCLR pretraining on the unlabeled faces (`recipes/demo/pretrain.json`).
 * 3. ArcFace fine-tuning from it on the people of folds 1-5 (`recipes/demo/finetune.json`).
 * 4. Verification on the pairs of folds 6-10 for the fine-tuned model, the pretrained backbone
 *    (frozen), a random-init backbone and raw pixels, with the same held-out pairs and protocol.
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateSynthLfw } from '../data';
import { checkpointEmbedder } from '../eval/checkpoint_embedder';
import type { Embedder } from '../eval/embedder';
import { randomEmbedder } from '../eval/embedder';
import { evaluateLfw, LfwEvalResult } from '../eval/lfw';
import { PixelsEmbedder } from '../eval/pixels_embedder';
import { finetune } from '../finetune/finetuner';
import { loadFinetuneRecipe } from '../recipes/finetune_load';
import { loadRecipe } from '../recipes/load';
import { pretrain } from '../train/trainer';
import type { ProgressReporter } from '../train/monitor';
import { writeReport } from '../report';

export interface DemoOptions {
  /** Run folder (default `runs/demo`); an existing one is replaced. */
  out?: string;
  /** Recipes folder (default `recipes/demo` of the package). */
  recipes?: string;
  /** Steps of each stage (default: the recipes', 150); warm-ups scale with it. */
  steps?: number;
  seed?: number;
  reporter?: (stage: string) => ProgressReporter;
  log?: (line: string) => void;
}

export interface DemoRow {
  model: string;
  accuracy: number;
  std: number;
  auc: number;
}

export interface DemoResult {
  rows: DemoRow[];
  pairs: number;
  folds: number[];
  seconds: { synth: number; pretrain: number; finetune: number; evaluate: number; total: number };
  runDir: string;
  report: string;
}

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? (() => {});
  const runDir = path.resolve(options.out ?? 'runs/demo');
  const recipes = options.recipes ?? path.join(PACKAGE_ROOT, 'recipes', 'demo');
  const sets = (pretraining: boolean): string[] => {
    if (options.steps === undefined) return [];
    const n = options.steps;
    const warmup = [`schedule.warmupSteps=${Math.min(10, Math.floor(n / 5))}`, `train.steps=${n}`];
    return pretraining ? warmup : [...warmup, `train.warmupHeadSteps=${Math.floor(n / 5)}`];
  };
  const seed = options.seed ?? 0;
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const start = performance.now();

  log(
    'demo: 1/4 synthetic faces (unlabeled set + a synthetic LFW with 10 identity-disjoint folds)',
  );
  const [lfw, synthSeconds] = await timed(() =>
    generateSynthLfw({ outDir: path.join(runDir, 'synth-lfw'), size: 32, seed: seed + 1000 }),
  );

  log('demo: 2/4 SimCLR pretraining on unlabeled synthetic faces');
  const pretrainRecipe = loadRecipe(path.join(recipes, 'pretrain.json'), [
    `seed=${seed}`,
    `output.dir=${path.join(runDir, 'pretrain')}`,
    `data.cacheDir=${path.join(runDir, 'cache')}`,
    ...sets(true),
  ]);
  const [pre, pretrainSeconds] = await timed(() =>
    pretrain(pretrainRecipe, { reporter: options.reporter?.('pretrain') }),
  );

  log('demo: 3/4 ArcFace fine-tuning on the people of folds 1-5');
  const finetuneRecipe = loadFinetuneRecipe(path.join(recipes, 'finetune.json'), [
    `seed=${seed}`,
    `from=${path.join(runDir, 'pretrain')}`,
    `data.path=${lfw.root}`,
    `data.cacheDir=${path.join(runDir, 'cache')}`,
    `output.dir=${path.join(runDir, 'finetune')}`,
    ...sets(false),
  ]);
  const [ft, finetuneSeconds] = await timed(() =>
    finetune(finetuneRecipe, { reporter: options.reporter?.('finetune') }),
  );
  if (!ft.evaluation) throw new Error('demo: the fine-tuning run produced no evaluation');

  log('demo: 4/4 verification of folds 6-10: fine-tuned vs pretrained vs random init vs pixels');
  const size = pretrainRecipe.data.size;
  const evaluate = async (embedder: Embedder): Promise<LfwEvalResult> => {
    try {
      return await evaluateLfw({
        embedder,
        pairsFile: ft.evaluation!.pairsFile,
        imagesRoot: lfw.imagesRoot,
        cacheDir: path.join(runDir, 'cache'),
      });
    } finally {
      (embedder as { dispose?: () => void }).dispose?.();
    }
  };
  const [baselines, evaluateSeconds] = await timed(async () => [
    await evaluate(await checkpointEmbedder(path.join(runDir, 'pretrain'), { crop: 1 })),
    await evaluate(randomEmbedder({ seed, inputSize: size, crop: 1 })),
    await evaluate(new PixelsEmbedder({ inputSize: size, crop: 1 })),
  ]);
  const row = (model: string, r: LfwEvalResult): DemoRow => ({
    model,
    accuracy: r.accuracy,
    std: r.std,
    auc: r.auc,
  });
  const rows = [
    row(`SimCLR pretrain (${pre.step} steps) + ArcFace fine-tune`, ft.evaluation),
    row('SimCLR pretrained, frozen', baselines[0]),
    row('random-init backbone', baselines[1]),
    row('raw pixels', baselines[2]),
  ];
  const report = await writeReport(runDir, {
    title: 'faceclr demo',
    summary: Object.fromEntries(
      rows.map((r) => [r.model, `${(100 * r.accuracy).toFixed(1)}% ± ${(100 * r.std).toFixed(1)}`]),
    ),
  });
  return {
    rows,
    pairs: ft.evaluation.pairs,
    folds: ft.evaluation.foldIds,
    seconds: {
      synth: synthSeconds,
      pretrain: pretrainSeconds,
      finetune: finetuneSeconds,
      evaluate: evaluateSeconds,
      total: (performance.now() - start) / 1000,
    },
    runDir,
    report,
  };
}
