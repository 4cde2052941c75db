/**
 * The results runner (scripts/results.js, issue 7) checks its options before it runs anything:
 * a bad option exits 2 naming the option and the value, and --quick refuses to write into docs/.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const repo = path.resolve(__dirname, '../..');
const runner = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(repo, 'scripts/results.js'), ...args], {
    cwd: repo,
    encoding: 'utf8',
  });

test('--help lists the methods, the DCL variants and --append', () => {
  const r = runner('--help');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/simclr,moco,byol,simsiam,swav,simclr-dcl,simclr-dclw/);
  expect(r.stdout).toMatch(/--append/);
});

test.each([
  [['--methods', 'simclr,nope'], /--methods: unknown nope \(known: simclr, moco/],
  [['--baselines', 'pixel'], /--baselines: unknown pixel/],
  [['--budget', '-3'], /--budget must be a positive number, got '-3'/],
  [['--steps', '2.5'], /--steps must be an integer, got '2.5'/],
  [['--budget'], /--budget needs a value/],
  [['--frobnicate'], /unknown option '--frobnicate'/],
  [['--quick'], /--quick numbers are not results; pass --out outside docs\//],
])('%j exits 2 with a clear message', (args, message) => {
  const r = runner(...args);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(message);
});
