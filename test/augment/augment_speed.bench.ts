// Augmentation throughput on the wasm backend, one thread; not part of `npm test`. Run with:
//   npx jest --testMatch '**/augment_speed.bench.ts'
// Prints views/s from wall time and from this process's CPU time (the stable figure on a shared
// machine, where other processes compete for the cores).
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';
import { MultiViewTransform } from '../../src/augment/multi_view_transform';
import { Rng } from '../../src/util/random';

interface Case {
  name: string;
  transform: MultiViewTransform;
  batch: number;
  input: number;
}

interface Speed {
  viewsPerSecond: number;
  cpuViewsPerSecond: number;
  msPerBatch: number;
}

function measure({ transform, batch, input }: Case, rounds: number): Speed {
  const images = tf.randomUniform([batch, input, input, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const rng = new Rng(0);
  tf.dispose(transform.apply(images, rng)); // warm-up
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const views = transform.apply(images, rng);
    views.forEach((v) => v.dataSync()); // wait for the results
    tf.dispose(views);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  images.dispose();
  const views = rounds * batch * transform.viewCount;
  return {
    viewsPerSecond: views / seconds,
    cpuViewsPerSecond: views / cpuSeconds,
    msPerBatch: (seconds * 1000) / rounds,
  };
}

describe('augmentation speed (wasm)', () => {
  it('reports views/s', async () => {
    const info = await initBackend('wasm', { threads: 1 });
    const cases: Case[] = [
      {
        name: 'simclr 64x64, batch 128',
        transform: MultiViewTransform.fromPreset('simclr', { views: [{ size: 64 }] }),
        batch: 128,
        input: 64,
      },
      {
        name: 'face 112x112, batch 128',
        transform: MultiViewTransform.fromPreset('face'),
        batch: 128,
        input: 112,
      },
      {
        name: 'byol 64x64, batch 128',
        transform: MultiViewTransform.fromPreset('byol', { views: [{ size: 64 }, { size: 64 }] }),
        batch: 128,
        input: 64,
      },
      {
        name: 'swav 64 + 4x28, batch 64',
        transform: MultiViewTransform.fromPreset('swav', { views: [{ size: 64 }, { size: 28 }] }),
        batch: 64,
        input: 64,
      },
    ];
    const lines = [`backend ${info.backend}, threads ${info.threads}`];
    for (const c of cases) {
      const { viewsPerSecond, cpuViewsPerSecond, msPerBatch } = measure(c, 5);
      lines.push(
        `${c.name}: ${viewsPerSecond.toFixed(0)} views/s wall, ${cpuViewsPerSecond.toFixed(0)} views/s of CPU ` +
          `(${msPerBatch.toFixed(1)} ms per batch x ${c.transform.viewCount} views)`,
      );
    }
    console.log(lines.join('\n'));
  });
});
