/**
 * One run per output folder: `<output>/.lock` holds the owner's pid and host, created with
 * `O_EXCL` so that two runs starting together cannot both win. A lock whose process is gone (same
 * host, `kill(pid, 0)` fails with ESRCH) is stale and taken over; a lock from another host is
 * respected (the folder may be on a shared file system) and must be removed by hand.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export class RunLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLockedError';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** A held lock; `release()` removes the file (idempotent). */
export interface RunLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the lock of `outputDir` (created if needed).
 * @returns the lock and, when a stale lock was replaced, a note about it.
 * @throws RunLockedError naming the folder and the live owner's pid (and host).
 */
export function acquireRunLock(outputDir: string): { lock: RunLock; staleNote?: string } {
  fs.mkdirSync(outputDir, { recursive: true });
  const file = path.join(outputDir, '.lock');
  const mine: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
  };
  let staleNote: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      let released = false;
      const lock: RunLock = {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
            if (owner.pid === mine.pid && owner.host === mine.host)
              fs.rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
      return { lock, staleNote };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: LockInfo | undefined;
    try {
      owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    } catch {
      owner = undefined; // half-written or unreadable: treat as stale
    }
    const sameHost = owner?.host === os.hostname();
    if (owner && (!sameHost || alive(owner.pid))) {
      const where = sameHost ? '' : ` on host ${owner.host}`;
      throw new RunLockedError(
        `output folder '${outputDir}' is in use by another run (pid ${owner.pid}${where}, since ${owner.startedAt}); ` +
          `choose another --out, or remove ${file} if that run is gone`,
      );
    }
    staleNote = `removed a stale lock of pid ${owner?.pid ?? '?'} in '${outputDir}'`;
    fs.rmSync(file, { force: true });
  }
  throw new RunLockedError(`could not take the lock ${file} (another run keeps taking it)`);
}
