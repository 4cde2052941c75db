/**
 * Console output conventions: human text on stderr/stdout, `--json` prints machine-readable
 * results only (one JSON document on stdout), progress only on a TTY (plain lines otherwise).
 */
import type { BackendInfo } from '../engine/backend';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The engine fields every `--json` result leads with: which backend ran it, with how many threads. */
export function engineFields(engine: BackendInfo): {
  backend: BackendInfo['backend'];
  threads: number;
  gpu?: boolean;
} {
  return {
    backend: engine.backend,
    threads: engine.threads,
    ...(engine.gpu === undefined ? {} : { gpu: engine.gpu }),
  };
}

export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Formats rows as an aligned text table. */
export function table(rows: (string | number)[][]): string {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = text[0].map((_, i) => Math.max(...text.map((r) => r[i].length)));
  return text.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(1) : abs >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
