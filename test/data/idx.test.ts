import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadIdxDataset, parseIdx, readIdxFile } from '../../core/data/idx.js';
import { DataError } from '../../core/errors.js';
import { idxBytes, tempDir, writeIdx } from './helpers.js';

/** Writes an MNIST-layout folder: 3 train and 2 test images of 2x3 pixels. */
function writeMnistLayout(dir: string, gz: boolean): void {
  const ext = gz ? '.gz' : '';
  writeIdx(join(dir, `train-images-idx3-ubyte${ext}`), [3, 2, 3], Uint8Array.from({ length: 18 }, (_, i) => i), gz);
  writeIdx(join(dir, `train-labels-idx1-ubyte${ext}`), [3], Uint8Array.of(9, 0, 4), gz);
  writeIdx(join(dir, `t10k-images-idx3-ubyte${ext}`), [2, 2, 3], Uint8Array.from({ length: 12 }, (_, i) => 100 + i), gz);
  writeIdx(join(dir, `t10k-labels-idx1-ubyte${ext}`), [2], Uint8Array.of(1, 2), gz);
}

/** The DataError thrown by `fn`. */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('IDX reader', () => {
  it('parses plain and gzipped bytes alike', () => {
    const plain = idxBytes([2, 2], Uint8Array.of(1, 2, 3, 4));
    for (const bytes of [plain, gzipSync(plain)]) {
      const arr = parseIdx(bytes, 'x');
      expect(arr.dims).toEqual([2, 2]);
      expect([...arr.data]).toEqual([1, 2, 3, 4]);
    }
  });

  it.each([true, false])('loads an MNIST-layout folder (gzipped: %s)', (gz) => {
    const dir = tempDir();
    writeMnistLayout(dir, gz);
    const ds = loadIdxDataset(dir, { name: 'fashion-mnist' });
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.train).toMatchObject({ count: 3, height: 2, width: 3, channels: 1, numClasses: 10 });
    expect(ds.test.count).toBe(2);
    expect([...ds.train.labels]).toEqual([9, 0, 4]);
    expect(ds.train.classNames[9]).toBe('Ankle boot');
    expect(ds.train.images[1 * 6 + 1 * 3 + 2]).toBe(11);
    expect(ds.test.images[0]).toBe(100);
    expect(ds.train.images.constructor).toBe(Uint8Array);
  });

  it('names digit classes for mnist and guesses the name from the folder', () => {
    const dir = tempDir();
    writeMnistLayout(dir, false);
    const ds = loadIdxDataset(dir);
    expect(ds.name).toBe('mnist');
    expect(ds.train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reports a truncated file with its name and the expected size', () => {
    const dir = tempDir();
    writeMnistLayout(dir, false);
    const file = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(file, readFileSync(file).subarray(0, 20));
    const err = dataError(() => loadIdxDataset(dir));
    expect(err.code).toBe('DATA_CORRUPT');
    expect(err.message).toContain(file);
    expect(err.message).toContain('expected 34 bytes from its header, found 20');
  });

  it('reports a truncated gzip file with its name', () => {
    const dir = tempDir();
    const file = join(dir, 'a.gz');
    writeFileSync(file, gzipSync(idxBytes([100], new Uint8Array(100))).subarray(0, 25));
    const err = dataError(() => readIdxFile(file));
    expect(err.message).toContain(file);
    expect(err.message).toContain('gzip');
  });

  it('rejects a wrong magic number and a non-byte type', () => {
    expect(dataError(() => parseIdx(Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0), 'f.idx')).message).toContain('f.idx is not an IDX file');
    expect(dataError(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0), 'g.idx')).message).toContain('0x0d');
  });

  it('rejects label/image count mismatches and out-of-range labels', () => {
    const dir = tempDir();
    writeMnistLayout(dir, false);
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [3], Uint8Array.of(1, 2, 3));
    expect(dataError(() => loadIdxDataset(dir)).message).toMatch(/holds 3 labels but .* holds 2 images/);
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [2], Uint8Array.of(1, 12));
    expect(dataError(() => loadIdxDataset(dir)).message).toContain('label 12 at index 1');
  });

  it('says which file is missing', () => {
    const dir = tempDir();
    writeMnistLayout(dir, true);
    const err = dataError(() => loadIdxDataset(join(dir, 'nope')));
    expect(err.code).toBe('DATA_NOT_FOUND');
    expect(err.message).toContain('train-images-idx3-ubyte.gz does not exist');
  });
});
