import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, detectFormat, loadDataset, resolveDataDir } from '../../core/data/locate.js';
import { DataError } from '../../core/errors.js';
import { tempDir, writeIdx } from './helpers.js';

describe('resolveDataDir', () => {
  it('prefers --data, then config data.dir, then TRICKSTER_DATA', () => {
    const [cli, config, env] = [tempDir(), tempDir(), tempDir()];
    const vars = { TRICKSTER_DATA: env };
    expect(resolveDataDir({ cliDir: cli, configDir: config, env: vars })).toBe(cli);
    expect(resolveDataDir({ configDir: config, env: vars })).toBe(config);
    expect(resolveDataDir({ cliDir: '', env: vars })).toBe(env);
  });

  it('falls back to the installed Fashion-MNIST', () => {
    expect(resolveDataDir({ env: {} })).toBe(DEFAULT_DATA_DIR);
  });

  it('names the source of a missing folder and how to get the data', () => {
    const missing = join(tempDir(), 'gone');
    const cases: [Parameters<typeof resolveDataDir>[0], string][] = [
      [{ cliDir: missing, env: {} }, 'the --data flag'],
      [{ configDir: missing, env: {} }, 'data.dir in the config'],
      [{ env: { TRICKSTER_DATA: missing } }, 'the TRICKSTER_DATA environment variable'],
    ];
    for (const [opts, source] of cases) {
      try {
        resolveDataDir(opts);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(DataError);
        expect((err as DataError).code).toBe('DATA_NOT_FOUND');
        expect((err as DataError).message).toContain(`${missing} (from ${source}) does not exist`);
        expect((err as DataError).message).toContain('apt-get install -y dataset-fashion-mnist');
        expect((err as DataError).message).toContain('--data fashion-mnist (or mnist, cifar10) to download');
        expect((err as DataError).message).toContain('--data DIR');
      }
    }
  });
});

describe('detectFormat and loadDataset', () => {
  it('recognises each layout from its files and dispatches', () => {
    const idx = tempDir();
    writeIdx(join(idx, 'train-images-idx3-ubyte.gz'), [1, 1, 1], Uint8Array.of(5), true);
    writeIdx(join(idx, 'train-labels-idx1-ubyte.gz'), [1], Uint8Array.of(3), true);
    writeIdx(join(idx, 't10k-images-idx3-ubyte'), [1, 1, 1], Uint8Array.of(6));
    writeIdx(join(idx, 't10k-labels-idx1-ubyte'), [1], Uint8Array.of(4));
    expect(detectFormat(idx)).toBe('idx');
    expect(loadDataset(idx, { name: 'fashion-mnist' }).train.classNames[3]).toBe('Dress');

    const cifar = tempDir();
    writeFileSync(join(cifar, 'test_batch.bin'), new Uint8Array(3073));
    expect(detectFormat(cifar)).toBe('cifar10');

    const folder = tempDir();
    mkdirSync(join(folder, 'cats'));
    expect(detectFormat(folder)).toBe('image-folder');
  });

  it('resizes every format to size x size (data.size): an image folder of two sizes and IDX files', () => {
    const folder = tempDir();
    for (const [cls, width, height, value] of [['a', 6, 6, 10], ['a', 9, 5, 20], ['b', 3, 3, 30]] as const) {
      mkdirSync(join(folder, cls), { recursive: true });
      const png = new PNG({ width, height });
      png.data.fill(value);
      writeFileSync(join(folder, cls, `${width}x${height}.png`), PNG.sync.write(png));
    }
    expect(() => loadDataset(folder, { testFraction: 0 })).toThrow(/is 9x5 but the dataset's images are 6x6\. .*set data\.size: N in the config/);
    const images = loadDataset(folder, { testFraction: 0, size: 4 }).train;
    expect(images).toMatchObject({ count: 3, height: 4, width: 4, channels: 3 });
    expect([...images.images]).toEqual([...Array(48).fill(10), ...Array(48).fill(20), ...Array(48).fill(30)]);

    const idx = tempDir();
    writeIdx(join(idx, 'train-images-idx3-ubyte'), [1, 2, 2], Uint8Array.of(8, 8, 8, 8));
    writeIdx(join(idx, 'train-labels-idx1-ubyte'), [1], Uint8Array.of(1));
    writeIdx(join(idx, 't10k-images-idx3-ubyte'), [1, 2, 2], Uint8Array.of(4, 4, 4, 4));
    writeIdx(join(idx, 't10k-labels-idx1-ubyte'), [1], Uint8Array.of(0));
    const { train, test } = loadDataset(idx, { size: 3 });
    expect(train).toMatchObject({ height: 3, width: 3 });
    expect([...test.images]).toEqual(Array(9).fill(4));
  });

  it('rejects a folder with nothing it knows', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'readme.txt'), 'hi');
    expect(() => detectFormat(dir)).toThrow(expect.objectContaining({ code: 'DATA_NOT_FOUND', message: expect.stringContaining(`${dir} holds no dataset`) }));
  });
});
