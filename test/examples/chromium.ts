/**
 * Headless Chromium for the browser tests (Debian's `chromium` package, driven from the command
 * line: no playwright). Tests are skipped, with a message, only when the binary is absent and `CI`
 * is unset; in CI a missing browser fails the test.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe`, or `describe.skip` with a message when Chromium is missing outside CI. */
export function describeWithChromium(name: string, body: () => void): void {
  if (!fs.existsSync(CHROMIUM) && !process.env.CI) {
    console.warn(
      `${name}: skipped, ${CHROMIUM} is absent (install it with 'apt-get install -y chromium'; with CI set this test runs and fails instead)`,
    );
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/**
 * Runs headless Chromium on `url` with `args` (e.g. `--dump-dom`) and a fresh profile, without
 * background networking (this machine's network is closed). Resolves with stdout.
 * @throws if Chromium is missing, exits non-zero or runs past `timeoutMs`.
 */
export async function runChromium(args: string[], url: string, timeoutMs = 40000): Promise<string> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`runChromium: ${CHROMIUM} is absent (apt-get install -y chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profile}`,
    ...args,
    url,
  ];
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        CHROMIUM,
        flags,
        { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`));
          else resolve(stdout);
        },
      );
    });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
