import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativePackage, nativePrefix } from '../../core/backends/native-package.js';
import { useBackend } from '../../core/backends/resolve.js';
import { tempRunDir } from '../helpers/train-subset.js';

const configured = process.env.TRICKSTER_NATIVE_DIR;
afterEach(() => {
  process.env.TRICKSTER_NATIVE_DIR = configured;
});

describe('the native:setup prefix', () => {
  it('is off in the main suite, so auto stays on wasm even where npm run native:setup ran', async () => {
    expect(configured).toBe('off');
    expect(nativePrefix()).toBeUndefined();
    expect(await useBackend('auto')).toBe('wasm');
  });

  it('is .native in the checkout by default, or TRICKSTER_NATIVE_DIR resolved', () => {
    delete process.env.TRICKSTER_NATIVE_DIR;
    expect(nativePrefix()).toBe(path.resolve('.native'));
    process.env.TRICKSTER_NATIVE_DIR = 'some/dir';
    expect(nativePrefix()).toBe(path.resolve('some/dir'));
  });

  it('a package in neither node_modules nor the prefix is an error naming where it looked', async () => {
    const empty = tempRunDir('trickster-native-empty-');
    process.env.TRICKSTER_NATIVE_DIR = empty;
    await expect(loadNativePackage('@tensorflow/tfjs-node-gpu')).rejects.toThrow(`@tensorflow/tfjs-node-gpu is installed neither in node_modules nor in ${empty}`);
    process.env.TRICKSTER_NATIVE_DIR = 'off';
    await expect(loadNativePackage('@tensorflow/tfjs-node-gpu')).rejects.toThrow('(TRICKSTER_NATIVE_DIR is off)');
  });
});
