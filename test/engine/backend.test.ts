import { initBackend, parseBackendName, BackendUnavailableError } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';

describe('backend resolution', () => {
  it('rejects unknown names, naming the value and the choices', () => {
    expect(() => parseBackendName('gpu')).toThrow(
      /--backend must be one of auto \| tensorflow \| wasm \| cpu, got 'gpu'/,
    );
  });

  it('initialises wasm and reports threads', async () => {
    const info = await initBackend('wasm');
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it('explains how to get tensorflow when it is not installed', async () => {
    let hasNode = true;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      try {
        require.resolve('@tensorflow/tfjs-node');
      } catch {
        hasNode = false;
      }
    }
    if (hasNode) return; // a user machine with tfjs-node: nothing to check here
    await expect(initBackend('tensorflow')).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('tensorflow')).rejects.toThrow(
      /npm install @tensorflow\/tfjs-node-gpu/,
    );
  });

  it('auto falls back to wasm without tfjs-node', async () => {
    const info = await initBackend('auto');
    expect(['wasm', 'tensorflow']).toContain(info.backend);
  });
});
