/**
 * examples/browser-verify in headless Chromium: the page loads a freshly exported model with plain
 * TensorFlow.js over HTTP, embeds two images given by URL, and shows their cosine similarity,
 * which must equal faceclr's own (Node, `checkpointEmbedder`) to 1e-5 (see below).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { initBackend } from '../../src/engine/backend';
import { checkpointEmbedder } from '../../src/eval/checkpoint_embedder';
import { exportBackbone } from '../../src/export';
import { perturbedBackbone, saveBackbone } from '../export/fixtures';
import { describeWithChromium, runChromium } from './chromium';
import { startStaticServer, type StaticServer } from './static_server';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/browser-verify');
const TFJS = path.join(ROOT, 'node_modules/@tensorflow/tfjs/dist/tf.min.js');
const SIZE = 72;
const THRESHOLD = 0.5;

/** A synthetic "face": a gradient background, a bright disc at (cx, cy), optional stripes. */
function syntheticImage(
  cx: number,
  cy: number,
  tint: [number, number, number],
  stripes = 0,
): Uint8Array {
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const disc = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 120);
      for (let c = 0; c < 3; c++) {
        const v =
          40 +
          100 * (x / SIZE) * tint[c] +
          60 * (y / SIZE) +
          150 * disc +
          stripes * Math.sin(x * 0.8 + y * 0.3 * c);
        pixels[(y * SIZE + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return pixels;
}

describeWithChromium('examples/browser-verify in headless Chromium', () => {
  let dir: string;
  let server: StaticServer;
  let images: Uint8Array[];

  beforeAll(async () => {
    await initBackend('wasm', { announce: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-browser-verify-'));
    const backbone = perturbedBackbone('resnet18-narrow', { width: 0.25, seed: 3 });
    await saveBackbone(backbone, 'resnet18-narrow', path.join(dir, 'params'));
    backbone.dispose();
    await exportBackbone(path.join(dir, 'params'), path.join(dir, 'model'), {
      threshold: THRESHOLD,
      verify: false,
    });
    images = [syntheticImage(30, 34, [1, 0.6, 0.3]), syntheticImage(44, 30, [0.3, 0.8, 1], 90)];
    for (const [i, pixels] of images.entries()) {
      await sharp(Buffer.from(pixels), { raw: { width: SIZE, height: SIZE, channels: 3 } })
        .png()
        .toFile(path.join(dir, `img${i + 1}.png`));
    }
    server = await startStaticServer({
      '/': EXAMPLE,
      '/tf.min.js': TFJS,
      '/model/': path.join(dir, 'model'),
      '/img1.png': path.join(dir, 'img1.png'),
      '/img2.png': path.join(dir, 'img2.png'),
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the cosine similarity faceclr computes in Node, and the decision at the threshold', async () => {
    const url = `${server.url}/index.html?a=img1.png&b=img2.png&backend=cpu`;
    const dom = await runChromium(['--dump-dom', '--virtual-time-budget=30000'], url);
    const status = /<p id="status" data-state="(\w+)">([^<]*)</.exec(dom);
    expect({ state: status?.[1], text: status?.[2], requests: server.requests }).toMatchObject({
      state: 'done',
    });
    const shown = /<output id="similarity"[^>]*data-value="([^"]+)"/.exec(dom);
    expect(shown).not.toBeNull();
    const browserSimilarity = Number(shown![1]);

    const embedder = await checkpointEmbedder(path.join(dir, 'params'));
    try {
      const bytes = new Uint8Array(images.length * SIZE * SIZE * 3);
      images.forEach((pixels, i) => bytes.set(pixels, i * pixels.length));
      const [a, b] = await embedder.embed({ images: bytes, size: SIZE });
      const nodeSimilarity = a.reduce((sum, v, i) => sum + v * b[i], 0);
      // A random backbone maps every image close to one direction (cosine ≈ 0.997 here), so a
      // preprocessing slip moves the cosine by only ~1e-4 (reading an <img> at its CSS size did);
      // the backends themselves agree to ~1e-7. Hence 1e-5 rather than a looser 1e-3.
      expect(Math.abs(browserSimilarity - nodeSimilarity)).toBeLessThanOrEqual(1e-5);
      // the pair is neither identical nor unrelated, so the check means something
      expect(nodeSimilarity).toBeLessThan(0.999);
    } finally {
      embedder.dispose();
    }
    expect(dom).toMatch(new RegExp(`<output id="threshold">${THRESHOLD}</output>`));
    const decision = browserSimilarity >= THRESHOLD ? 'same person' : 'different people';
    expect(dom).toMatch(new RegExp(`<output id="decision"[^>]*>${decision}</output>`));
  });
});
