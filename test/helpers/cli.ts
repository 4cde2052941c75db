/**
 * The faceclr CLI run in-process (`main` from src/cli/main.ts) with stdout and stderr captured:
 * what the CLI tests assert on. Nothing reaches the terminal while a command runs.
 */
import { main } from '../../src/cli/main';

export interface CliResult {
  /** The exit code `main` returned (0 ok, 1 failed, 2 bad input). */
  code: number;
  stdout: string;
  stderr: string;
}

/** `faceclr ...argv` with the output captured. */
export async function captureCli(argv: string[]): Promise<CliResult> {
  const [out, err]: string[][] = [[], []];
  const into = (chunks: string[]) => (chunk: string | Uint8Array) => (
    chunks.push(String(chunk)),
    true
  );
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(into(out));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(into(err));
  try {
    const code = await main(['node', 'faceclr', ...argv]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** `faceclr --backend wasm ...args` (the machine's threads). */
export const runWasm = (...args: string[]): Promise<CliResult> =>
  captureCli(['--backend', 'wasm', ...args]);

/** `faceclr --backend wasm --threads 1 ...args`: the training tests, bitwise reproducible. */
export const runWasmOneThread = (...args: string[]): Promise<CliResult> =>
  captureCli(['--backend', 'wasm', '--threads', '1', ...args]);
