/**
 * Multi-threaded wasm in Node: runs `tfjs-backend-wasm-threaded-simd.wasm` (XNNPACK on a pthread
 * pool) instead of the single-thread SIMD build that tfjs picks in Node.
 *
 * tfjs turns threads off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false) and, forced on, fails:
 * it hands Emscripten a `blob:` URL for the pthread worker, which `worker_threads` cannot load
 * (`ERR_WORKER_PATH`). The Emscripten glue itself supports Node, so we register our own `wasm`
 * factory that calls the glue with
 * - the worker script written to a file in `os.tmpdir()` (`locateFile`);
 * - the glue's own path as `mainScriptUrlOrBlob`, which each worker `importScripts`;
 * - an `instantiateWasm` that reports `2 * threads` logical cores: the C++ side caps the pool at
 *   `cores / 2` (it assumes hyper-threading), so a 2-core machine would otherwise get 1 thread;
 * - the pool's workers unref'd once loaded, so they never keep Node alive.
 * and returns the stock `BackendWasm` over that module. Anything that fails (a timeout, a thread
 * count it did not honour, a wrong self-check result) falls back to the single-thread SIMD build
 * with the reason.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { tf } from './tf';

/** The glue's pthread pool size, the most threads the wasm backend uses. */
export const MAX_WASM_THREADS = 8;

export type WasmBuild = 'threaded-simd' | 'simd';

export interface WasmThreadsOutcome {
  /** Threads XNNPACK actually uses (1 for the single-thread build). */
  threads: number;
  build: WasmBuild;
  /** Why the threaded build was not used although more than one thread was asked for. */
  fallbackReason?: string;
}

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');
type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

interface EmscriptenWorker {
  ref(): void;
  unref(): void;
}
interface PThreadPool {
  unusedWorkers: EmscriptenWorker[];
  runningWorkers: EmscriptenWorker[];
  allocateUnusedWorker(): void;
  terminateAllThreads(): void;
}
interface GlueConfig {
  locateFile(file: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(info: { env: Record<string, unknown> }, receive: ReceiveInstance): object;
  PThread?: PThreadPool;
}
type ReceiveInstance = (instance: WebAssembly.Instance, module: WebAssembly.Module) => void;
type WasmModule = Record<string, unknown> & {
  cwrap(name: string, ret: string | null, args: string[]): unknown;
  PThread: PThreadPool;
};

const WASM_PRIORITY = 2; // the priority tfjs-backend-wasm registers with
let stockFactory: BackendFactory | undefined;

/**
 * The thread count to use: `requested`, else `FACECLR_THREADS`, else the machine's cores
 * (at most {@link MAX_WASM_THREADS}).
 *
 * @throws Error naming the source when the value is not an integer in 1..8.
 */
export function resolveWasmThreads(
  requested?: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fromEnv = requested === undefined && env.FACECLR_THREADS !== undefined;
  const source = fromEnv ? 'FACECLR_THREADS' : 'threads';
  const value = requested ?? (fromEnv ? Number(env.FACECLR_THREADS) : undefined);
  if (value === undefined) return Math.max(1, Math.min(os.cpus().length, MAX_WASM_THREADS));
  if (!Number.isInteger(value) || value < 1 || value > MAX_WASM_THREADS) {
    const raw = fromEnv ? `'${env.FACECLR_THREADS}'` : String(requested);
    throw new Error(`${source} must be an integer in 1..${MAX_WASM_THREADS}, got ${raw}`);
  }
  return value;
}

function packageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Writes the pthread worker script (once per content) and returns its path. */
function workerScriptPath(dir: string): string {
  const exported = require(path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js'));
  // The script sits in a template literal, which turned its "\n" escapes into newlines.
  const source = (exported.wasmWorkerContents as string).replace(/\n/g, '\\n');
  new vm.Script(source); // a syntax error would otherwise crash the process from a worker
  const hash = crypto.createHash('sha1').update(source).digest('hex').slice(0, 12);
  const file = path.join(os.tmpdir(), `faceclr-tfjs-wasm-${hash}.worker.cjs`);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== source) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, source);
    fs.renameSync(partial, file); // atomic: concurrent processes never see half a file
  }
  return file;
}

/** Keeps a worker unref'd for good: compute is synchronous, so no worker need hold the loop. */
function neverRef(worker: EmscriptenWorker | undefined): void {
  if (!worker) return;
  worker.ref = () => undefined;
  worker.unref();
}

function threadedFactory(
  threads: number,
  wasm: WasmPackage,
  pending: GlueConfig[],
  abandoned: () => boolean,
): () => Promise<tf.KernelBackend> {
  return async () => {
    const dir = packageDir();
    const gluePath = path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js');
    const wasmPath = path.join(dir, 'dist/tfjs-backend-wasm-threaded-simd.wasm');
    const workerPath = workerScriptPath(dir);
    const glue = require(gluePath) as (config: GlueConfig) => Promise<WasmModule>;
    let failInstantiate: (e: unknown) => void = () => undefined;
    const instantiateFailed = new Promise<never>((_, reject) => (failInstantiate = reject));
    const config: GlueConfig = {
      locateFile: (file, prefix) =>
        file.endsWith('.worker.js')
          ? workerPath
          : file.endsWith('.wasm')
            ? wasmPath
            : prefix + file,
      mainScriptUrlOrBlob: gluePath,
      instantiateWasm(info, receive) {
        info.env.emscripten_num_logical_cores = () => 2 * threads;
        WebAssembly.instantiate(fs.readFileSync(wasmPath), info as WebAssembly.Imports).then(
          (result) => receive(result.instance, result.module),
          failInstantiate,
        );
        return {};
      },
    };
    pending.push(config);
    const module = await Promise.race([glue(config), instantiateFailed]);
    const pool = module.PThread;
    if (abandoned()) {
      // Started after the timeout: do not let it touch the shared thread count or keep workers.
      pool.terminateAllThreads();
      throw new Error('the threaded build started too late and was discarded');
    }
    pool.unusedWorkers.forEach(neverRef);
    pool.runningWorkers.forEach(neverRef);
    const allocate = pool.allocateUnusedWorker.bind(pool);
    pool.allocateUnusedWorker = () => {
      allocate();
      neverRef(pool.unusedWorkers[pool.unusedWorkers.length - 1]);
    };
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    wasm.setThreadsCount(threads);
    const backend = new wasm.BackendWasm(module as never);
    pool.runningWorkers.forEach(neverRef); // the pthreadpool's threads started just now
    return backend;
  };
}

function useFactory(factory: BackendFactory): void {
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, WASM_PRIORITY);
}

/** matMul of a 128x128 pair, large enough for XNNPACK to split, against a plain loop. */
function selfCheck(): string | undefined {
  const n = 128;
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
  const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync());
  for (let i = 0; i < n; i += 17) {
    for (let j = 0; j < n; j += 3) {
      let want = 0;
      for (let k = 0; k < n; k++) want += a[i * n + k] * b[k * n + j];
      if (Math.abs(got[i * n + j] - want) > 1e-3) {
        return `self-check matMul[${i}][${j}] = ${got[i * n + j]}, expected ${want}`;
      }
    }
  }
  return undefined;
}

async function setBackendWithin(ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    const result = await Promise.race([tf.setBackend('wasm'), timeout]);
    if (result === 'timeout') throw new Error(`the threaded build did not start within ${ms} ms`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

async function tryThreaded(
  threads: number,
  wasm: WasmPackage,
  timeoutMs: number,
): Promise<string | undefined> {
  const pending: GlueConfig[] = [];
  let initError: unknown;
  let gaveUp = false;
  const factory = threadedFactory(threads, wasm, pending, () => gaveUp);
  useFactory(() =>
    factory().catch((e) => {
      initError = e;
      throw e;
    }),
  );
  let reason: string | undefined;
  const warn = console.warn; // tfjs logs a failed backend init itself; we report it instead
  console.warn = () => undefined;
  try {
    if (!(await setBackendWithin(timeoutMs))) {
      reason = `the threaded build failed to initialise: ${(initError as Error)?.message ?? initError}`;
    } else if (wasm.getThreadsCount() !== threads) {
      reason = `asked for ${threads} threads, the threaded build started ${wasm.getThreadsCount()}`;
    } else {
      reason = selfCheck();
    }
  } catch (e) {
    reason = (e as Error).message;
  } finally {
    console.warn = warn;
  }
  if (reason !== undefined) {
    gaveUp = true;
    for (const config of pending) config.PThread?.terminateAllThreads();
  }
  return reason;
}

/**
 * Registers and starts the `wasm` backend with `threads` XNNPACK threads: the threaded SIMD
 * build when `threads > 1`, else (or when that fails) the stock single-thread SIMD build.
 * Call after registering kernels and before creating tensors (it replaces the backend).
 *
 * @param threads 1..8, see {@link resolveWasmThreads}.
 * @param options.timeoutMs how long the threaded build may take to start (default 30 000).
 * @throws Error when even the single-thread build does not initialise.
 * @example
 * const { threads, build, fallbackReason } = await startWasm(resolveWasmThreads());
 */
export async function startWasm(
  threads: number,
  options: { timeoutMs?: number } = {},
): Promise<WasmThreadsOutcome> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  stockFactory ??= tf.findBackendFactory('wasm') as BackendFactory;
  let fallbackReason: string | undefined;
  if (threads > 1) {
    fallbackReason = await tryThreaded(threads, wasm, options.timeoutMs ?? 30000);
    if (fallbackReason === undefined) return { threads, build: 'threaded-simd' };
  }
  useFactory(stockFactory);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error("backend 'wasm' failed to initialise");
  return { threads: wasm.getThreadsCount(), build: 'simd', fallbackReason };
}
