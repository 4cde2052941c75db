/**
 * Atomic file writes: write a temporary file in the same folder, then `rename` it over the target,
 * so a reader sees either the old file or the complete new one, never a partial write (POSIX
 * rename is atomic within one file system). Temporary names carry the process id and a counter.
 */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/** A fresh temporary path beside `file`: `<file>.tmp-<pid>-<time>-<n>`. */
export function tempPathFor(file: string): string {
  counter += 1;
  return `${file}.tmp-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/**
 * Writes `data` to `file` atomically (temp file + fsync + rename).
 * @throws the file-system error; the temporary file is removed first.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

/** Removes leftover temporary files of dead builds (older than `maxAgeMs`) in `dir`. */
export async function removeStaleTemps(dir: string, maxAgeMs = 3_600_000): Promise<void> {
  const now = Date.now();
  for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
    if (!name.includes('.tmp-')) continue;
    const full = path.join(dir, name);
    const stat = await fs.promises.stat(full).catch(() => undefined);
    if (stat && now - stat.mtimeMs > maxAgeMs) await fs.promises.rm(full, { force: true });
  }
}
