/** Progress of long CLI work on stderr: a bar with images/s and ETA on a TTY, plain lines otherwise. */
import { Presets, SingleBar } from 'cli-progress';
import { info } from './output';

/** `done/total` progress: a bar with images/s and ETA on a TTY, a line per 10% otherwise. */
export function progress(label: string, total: number, quiet = false) {
  const started = Date.now();
  const rate = (done: number) => done / Math.max((Date.now() - started) / 1000, 1e-3);
  if (quiet) return { update: (_done: number) => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} {bar} {value}/{total} | {rate} img/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 100,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0' });
    return {
      update: (done: number) => bar.update(done, { rate: rate(done).toFixed(0) }),
      stop: () => bar.stop(),
    };
  }
  let reported = 0;
  return {
    update: (done: number) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth <= reported && done < total) return;
      reported = Math.max(tenth, 1);
      const eta = (total - done) / Math.max(rate(done), 1e-9);
      info(`${label}: ${done}/${total}, ${rate(done).toFixed(0)} img/s, ETA ${eta.toFixed(0)} s`);
    },
    stop: () => undefined,
  };
}
