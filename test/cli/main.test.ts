import { main } from '../../src/cli/main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
  return {
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    restore: () => {
      o.mockRestore();
      e.mockRestore();
    },
  };
}

describe('faceclr CLI', () => {
  it('--help lists the commands and exits 0', async () => {
    const io = capture();
    const code = await main(['node', 'faceclr', '--help']);
    io.restore();
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/bench/);
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const io = capture();
    const code = await main(['node', 'faceclr', 'frobnicate']);
    io.restore();
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/unknown command/);
  });

  it('an unknown backend is a usage error naming the value', async () => {
    const io = capture();
    const code = await main(['node', 'faceclr', '--backend', 'gpu', 'bench', 'engine', '--json']);
    io.restore();
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/--backend must be one of .* got 'gpu'/);
  });

  it('bench engine --json prints the documented fields with a steady tensor count', async () => {
    const io = capture();
    const code = await main([
      'node',
      'faceclr',
      '--backend',
      'wasm',
      'bench',
      'engine',
      '--json',
      '--batch',
      '2',
      '--size',
      '32',
      '--steps',
      '1',
      '--warmup',
      '1',
    ]);
    io.restore();
    expect(code).toBe(0);
    const result = JSON.parse(io.stdout());
    for (const field of [
      'backend',
      'threads',
      'imagesPerSecond',
      'msPerStep',
      'stepGflops',
      'matmulGflops',
      'rooflineFraction',
      'peakRssMb',
      'tensorsBefore',
      'tensorsAfter',
    ]) {
      expect(result).toHaveProperty(field);
    }
    expect(result.backend).toBe('wasm');
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    expect(result.tensorsAfter).toBe(result.tensorsBefore);
  });
});
