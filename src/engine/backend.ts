/**
 * Backend resolution: `auto | tensorflow | wasm | cpu`.
 *
 * - `tensorflow`: `@tensorflow/tfjs-node-gpu` (optional dependency; needs CUDA 11.2 + cuDNN 8.1),
 *   else `@tensorflow/tfjs-node`. With other CUDA versions tfjs-node-gpu loads but silently runs
 *   on the CPU; we read `isUsingGpuDevice` from the backend and warn.
 * - `wasm`: the embedded default, `@tensorflow/tfjs-backend-wasm` plus faceclr's training kernels
 *   (`src/engine/kernels`), which the stock wasm backend lacks.
 * - `cpu`: pure JS, a test reference only (about 600x slower on a training step).
 * - `auto`: tensorflow when it loads, else wasm.
 */
import { tf } from './tf';
import { registerTrainingKernels } from './kernels';
import { installHeapGuard, type WasmHeapOwner } from './memory';
import { resolveWasmThreads, startWasm } from './wasm_threads';

export const BACKEND_NAMES = Object.freeze(['auto', 'tensorflow', 'wasm', 'cpu'] as const);
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  /** The tfjs backend in use: `tensorflow`, `wasm` or `cpu`. */
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** Worker threads of the wasm backend; 1 for cpu; the machine's cores for tensorflow. */
  threads: number;
  /** For `tensorflow`: the npm package that provided it. */
  package?: string;
  /** For `tensorflow`: whether TensorFlow placed ops on a GPU. */
  gpu?: boolean;
  /** Warnings worth telling the user (e.g. tfjs-node-gpu running on the CPU). */
  warnings: string[];
}

export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

let current: BackendInfo | undefined;

/** Parses a backend name from a flag or `FACECLR_BACKEND`; throws naming the value. */
export function parseBackendName(value: string | undefined, source = '--backend'): BackendName {
  const name = (value ?? 'auto').trim().toLowerCase();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new BackendUnavailableError(
      `${source} must be one of ${BACKEND_NAMES.join(' | ')}, got '${value}'`,
    );
  }
  return name as BackendName;
}

function tryRequire(id: string): { ok: true } | { ok: false; error: string } {
  try {
    require(id);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

async function initTensorflow(): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const loaded = tryRequire(pkg);
    if (!loaded.ok) {
      failures.push(`${pkg}: ${loaded.error}`);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      failures.push(`${pkg}: loaded but the 'tensorflow' backend did not initialise`);
      continue;
    }
    const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    const gpu = Boolean(backend.isUsingGpuDevice);
    const warnings: string[] = [];
    if (pkg === '@tensorflow/tfjs-node-gpu' && !gpu) {
      warnings.push(
        '@tensorflow/tfjs-node-gpu loaded but TensorFlow found no usable GPU and runs on the CPU. ' +
          'tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (check LD_LIBRARY_PATH and nvidia-smi).',
      );
    }
    return {
      backend: 'tensorflow',
      threads: require('os').cpus().length,
      package: pkg,
      gpu,
      warnings,
    };
  }
  throw new BackendUnavailableError(
    `backend 'tensorflow' is not available (${failures.join('; ')}). Install it with ` +
      '`npm install @tensorflow/tfjs-node-gpu` (needs CUDA 11.2 + cuDNN 8.1 and internet access ' +
      'for its libtensorflow download) or `npm install @tensorflow/tfjs-node` for the CPU build; ' +
      'or use --backend wasm.',
  );
}

async function initWasm(threads?: number): Promise<BackendInfo> {
  registerTrainingKernels();
  const outcome = await startWasm(resolveWasmThreads(threads)).catch((e: Error) => {
    throw new BackendUnavailableError(e.message);
  });
  installHeapGuard(tf.backend() as unknown as WasmHeapOwner);
  const warnings = outcome.fallbackReason
    ? [`wasm threads unavailable (${outcome.fallbackReason}); using the single-thread SIMD build`]
    : [];
  return { backend: 'wasm', threads: outcome.threads, warnings };
}

export interface InitBackendOptions {
  /**
   * wasm XNNPACK threads, 1..8 (default `FACECLR_THREADS`, else the machine's cores). More than 1
   * runs the threaded SIMD build; if that fails, the single-thread build with a warning.
   */
  threads?: number;
  /** Print "backend: ..., threads: ..." once to stderr (default false). */
  announce?: boolean;
}

/**
 * Selects and initialises a backend. Idempotent for the same name.
 *
 * @param requested `auto | tensorflow | wasm | cpu`; default `FACECLR_BACKEND` or `auto`.
 * @throws BackendUnavailableError when the backend cannot be loaded, saying how to get it.
 */
export async function initBackend(
  requested?: string,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const name = parseBackendName(
    requested ?? process.env.FACECLR_BACKEND,
    requested === undefined && process.env.FACECLR_BACKEND ? 'FACECLR_BACKEND' : '--backend',
  );
  if (
    current &&
    (name === 'auto' || name === current.backend) &&
    tf.getBackend() === current.backend
  ) {
    return current;
  }
  let info: BackendInfo;
  if (name === 'tensorflow') info = await initTensorflow();
  else if (name === 'wasm') info = await initWasm(options.threads);
  else if (name === 'cpu') {
    await tf.setBackend('cpu');
    info = { backend: 'cpu', threads: 1, warnings: [] };
  } else {
    try {
      info = await initTensorflow();
    } catch {
      info = await initWasm(options.threads);
    }
  }
  current = info;
  if (options.announce) {
    const gpu = info.backend === 'tensorflow' ? `, gpu: ${info.gpu ? 'yes' : 'no'}` : '';
    process.stderr.write(`faceclr: backend ${info.backend}, threads ${info.threads}${gpu}\n`);
    for (const w of info.warnings) process.stderr.write(`faceclr: warning: ${w}\n`);
  }
  return info;
}

/** The backend chosen by the last `initBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
