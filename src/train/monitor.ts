/**
 * Run monitoring: the collapse monitor (per-dimension spread of L2-normalised embeddings), the
 * `metrics.jsonl` log, and progress reporting (a cli-progress bar on a TTY, plain lines otherwise).
 *
 * Collapse monitor (as lightly's `std_of_l2_normalized`, after SimSiam §4.1): for embeddings
 * e [B,D] normalised to unit length, `embeddingStd` = mean over dimensions of the per-dimension
 * standard deviation. Evenly spread unit vectors give ≈ 1/√D; a collapsed backbone (every image
 * the same embedding) gives 0. The trainer warns when `embeddingStd·√D` < `train.collapseFloor`.
 */
import * as fs from 'fs';
import { SingleBar } from 'cli-progress';
import { tf } from '../engine/tf';

/** Mean per-dimension std of the row-normalised `embeddings` [B,D]; tensors are freed. */
export function embeddingStd(embeddings: tf.Tensor2D): number {
  const value = tf.tidy(() => {
    const unit = tf.div(embeddings, tf.maximum(tf.norm(embeddings, 2, 1, true), 1e-12));
    const { variance } = tf.moments(unit, 0); // [D]
    return tf.mean(tf.sqrt(variance));
  });
  const out = value.dataSync()[0];
  value.dispose();
  return out;
}

/** One line of `metrics.jsonl`. */
export interface MetricsRecord {
  step: number;
  /** Mean loss over the steps since the previous line. */
  loss: number;
  lr: number;
  imagesPerSecond: number;
  /** See {@link embeddingStd}. */
  embeddingStd: number;
  /** Seconds of training since the run started (over resumed sessions). */
  elapsed: number;
  /** Leave-one-out cosine kNN accuracy on `train.knn`, on the steps it runs. */
  knnAccuracy?: number;
}

/** Appends JSON lines to `metrics.jsonl`; on resume, drops lines past the checkpoint's step. */
export class MetricsLog {
  constructor(readonly file: string) {}

  /** Keeps only records with `step <= step` (those a resumed run will not write again). */
  truncateAfter(step: number): void {
    if (!fs.existsSync(this.file)) return;
    const kept = fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        try {
          return (JSON.parse(line) as { step: number }).step <= step;
        } catch {
          return false;
        }
      });
    fs.writeFileSync(this.file, kept.map((l) => `${l}\n`).join(''));
  }

  append(record: MetricsRecord | Record<string, unknown>): void {
    fs.appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }
}

/** Where progress goes. */
export interface ProgressReporter {
  start(totalSteps: number, startStep: number): void;
  update(step: number, values: { loss: number; lr: number; imagesPerSecond: number }): void;
  /** A message that must not be drawn over by the bar (warnings, checkpoints). */
  note(message: string): void;
  stop(): void;
}

/** Nothing at all (`--json`, tests). */
export const silentReporter: ProgressReporter = {
  start() {},
  update() {},
  note() {},
  stop() {},
};

/** Plain lines every `every` steps, for logs and pipes. */
export function lineReporter(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  every = 10,
  label = 'pretrain',
): ProgressReporter {
  let total = 0;
  let first = 0;
  return {
    start(totalSteps, startStep) {
      total = totalSteps;
      first = startStep + 1;
      write(
        `${label}: ${startStep > 0 ? `resuming at step ${startStep}, ` : ''}${totalSteps} steps`,
      );
    },
    update(step, v) {
      if (step % every !== 0 && step !== total && step !== first) return;
      write(
        `step ${step}/${total}  loss ${v.loss.toFixed(4)}  lr ${v.lr.toPrecision(3)}  ${v.imagesPerSecond.toFixed(1)} img/s`,
      );
    },
    note: write,
    stop() {},
  };
}

/** A cli-progress bar (step, loss, lr, images/s, ETA) on stderr. */
export function barReporter(label = 'pretrain'): ProgressReporter {
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total}  loss {loss}  lr {lr}  {ips} img/s  ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 20,
  });
  let active = false; // notes before start (a stale lock, skipped files) must not draw the bar
  return {
    start(totalSteps, startStep) {
      bar.start(totalSteps, startStep, { loss: '-', lr: '-', ips: '-' });
      active = true;
    },
    update(step, v) {
      bar.update(step, {
        loss: v.loss.toFixed(4),
        lr: v.lr.toPrecision(3),
        ips: v.imagesPerSecond.toFixed(1),
      });
    },
    note(message) {
      process.stderr.write(`\r\x1b[K${message}\n`);
      if (active) bar.render();
    },
    stop() {
      bar.stop();
      active = false;
    },
  };
}
