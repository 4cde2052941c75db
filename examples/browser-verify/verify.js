/* global tf, window, document, URLSearchParams, fetch, URL */
/**
 * Face verification with a `faceclr export` model, in plain browser JavaScript (TensorFlow.js from
 * a script tag, no bundler). The preprocessing is the one `faceclr-export.json` describes and
 * faceclr's evaluation uses (src/eval/embedder.ts):
 *
 *   pixels / 255 → centred square crop of `crop` of the side → bilinear resize to inputSize
 *   → (x − mean) / std → model; plus the mirrored crop (flip-sum) → L2-normalise → cosine.
 *
 * URL parameters: `a`, `b` image URLs (compared on load); `model` the export folder (default
 * `./model/`); `backend` a tfjs backend to use (`cpu`, `webgl`, ...).
 */
'use strict';

const DEFAULT_THRESHOLD = 0.3;
const params = new URLSearchParams(window.location.search);
const $ = (id) => document.getElementById(id);

function setStatus(text, state) {
  $('status').textContent = text;
  $('status').dataset.state = state;
}

/** `[y1, x1, y2, x2]` of the centred square of `crop` of the shorter side (align-corners). */
function centerCropBox(height, width, crop) {
  const side = Math.max(1, Math.min(height, width, Math.round(crop * Math.min(height, width))));
  const edge = (size) => {
    if (size === 1) return [0, 1];
    const start = Math.floor((size - side) / 2);
    return [start / (size - 1), (start + side - 1) / (size - 1)];
  };
  const [y1, y2] = edge(height);
  const [x1, x2] = edge(width);
  return [y1, x1, y2, x2];
}

/**
 * The image at its natural size on a canvas: `tf.browser.fromPixels(img)` would read an <img> at
 * its displayed (CSS) size, resampled by the browser.
 */
function naturalPixels(image) {
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  canvas.getContext('2d').drawImage(image, 0, 0);
  return canvas;
}

/** An image element → its L2-normalised (flip-summed) embedding, as a Float32Array. */
async function embed(model, meta, image) {
  const size = meta.inputSize;
  const canvas = naturalPixels(image);
  const output = tf.tidy(() => {
    const pixels = tf.div(tf.cast(tf.browser.fromPixels(canvas, 3), 'float32'), 255); // [H,W,3]
    const [height, width] = pixels.shape;
    const [y1, x1, y2, x2] = centerCropBox(height, width, meta.crop);
    const boxes = meta.flipSum
      ? [
          [y1, x1, y2, x2],
          [y1, x2, y2, x1],
        ]
      : [[y1, x1, y2, x2]]; // x1 > x2 mirrors
    let views = tf.image.cropAndResize(
      tf.expandDims(pixels, 0),
      boxes,
      boxes.map(() => 0),
      [size, size],
    );
    if (meta.normalize) views = tf.div(tf.sub(views, meta.normalize.mean), meta.normalize.std);
    const sum = tf.sum(model.predict(views), 0, true); // [1,D]
    return tf.div(sum, tf.maximum(tf.norm(sum, 2, 1, true), 1e-12));
  });
  const values = await output.data();
  output.dispose();
  return values;
}

function cosine(a, b) {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

function loadImage(img, url) {
  return new Promise((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load image ${url}`));
    img.src = url;
  });
}

async function main() {
  const base = (params.get('model') || './model/').replace(/\/?$/, '/');
  if (params.get('backend')) await tf.setBackend(params.get('backend'));
  await tf.ready();
  setStatus(`loading ${base}model.json (tfjs ${tf.version.tfjs}, ${tf.getBackend()})…`, 'loading');
  const response = await fetch(`${base}faceclr-export.json`).catch(() => undefined);
  const found = response && response.ok ? await response.json() : {};
  const meta = {
    inputSize: found.inputSize,
    crop: found.crop ?? 1,
    normalize: found.normalize ?? null,
    flipSum: found.flipSum ?? true,
    threshold: typeof found.threshold === 'number' ? found.threshold : DEFAULT_THRESHOLD,
  };
  const model = await tf.loadLayersModel(`${base}model.json`);
  meta.inputSize = meta.inputSize ?? model.inputs[0].shape[1];
  $('threshold').textContent = String(meta.threshold);
  const images = { a: $('image-a'), b: $('image-b') };
  const ready = { a: false, b: false };

  async function compare() {
    if (!ready.a || !ready.b) return;
    setStatus('embedding…', 'running');
    const [ea, eb] = [await embed(model, meta, images.a), await embed(model, meta, images.b)];
    const similarity = cosine(ea, eb);
    const same = similarity >= meta.threshold;
    $('similarity').textContent = similarity.toFixed(4);
    $('similarity').dataset.value = String(similarity);
    $('decision').textContent = same ? 'same person' : 'different people';
    $('decision').dataset.same = String(same);
    setStatus(`done (${tf.getBackend()} backend, ${ea.length}-d embeddings)`, 'done');
  }

  async function show(key, url) {
    ready[key] = false;
    await loadImage(images[key], url);
    ready[key] = true;
    await compare();
  }

  for (const key of ['a', 'b']) {
    $(`file-${key}`).addEventListener('change', (event) => {
      const file = event.target.files[0];
      if (file) show(key, URL.createObjectURL(file)).catch(fail);
    });
  }
  const urls = ['a', 'b'].filter((key) => params.get(key));
  if (urls.length === 0) setStatus('choose two face photos', 'ready');
  await Promise.all(urls.map((key) => show(key, params.get(key))));
}

function fail(error) {
  setStatus(`error: ${error.message}`, 'error');
}

main().catch(fail);
