import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, decodeCifarRecords, loadCifar10 } from '../../core/data/cifar.js';
import { DataError } from '../../core/errors.js';
import { tempDir } from './helpers.js';

const RECORD = 3073;

/** `count` records; record n has label n % 10 and pixel (y, x) channel c = (n + 7y + 3x + 50c) & 255. */
function records(count: number, first = 0): Uint8Array {
  const bytes = new Uint8Array(count * RECORD);
  for (let k = 0; k < count; k++) {
    const n = first + k;
    bytes[k * RECORD] = n % 10;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) bytes[k * RECORD + 1 + c * 1024 + y * 32 + x] = (n + 7 * y + 3 * x + 50 * c) & 255;
      }
    }
  }
  return bytes;
}

/** Writes five 2-record training batches and a 3-record test batch. */
function writeCifar(dir: string): void {
  CIFAR10_TRAIN_FILES.forEach((name, i) => writeFileSync(join(dir, name), records(2, 2 * i)));
  writeFileSync(join(dir, CIFAR10_TEST_FILE), records(3, 100));
}

describe('CIFAR-10 binary reader', () => {
  it('converts planar CHW records to HWC', () => {
    const { images, labels } = decodeCifarRecords(records(2), 'x.bin');
    expect([...labels]).toEqual([0, 1]);
    const at = (n: number, y: number, x: number, c: number) => images[((n * 32 + y) * 32 + x) * 3 + c];
    expect(at(1, 5, 9, 0)).toBe(1 + 35 + 27);
    expect(at(1, 5, 9, 1)).toBe(1 + 35 + 27 + 50);
    expect(at(1, 5, 9, 2)).toBe(1 + 35 + 27 + 100);
    expect(at(0, 31, 31, 2)).toBe((217 + 93 + 100) & 255);
  });

  it('loads train and test batches with default class names', () => {
    const dir = tempDir();
    writeCifar(dir);
    const ds = loadCifar10(dir);
    expect(ds.name).toBe('cifar10');
    expect(ds.train).toMatchObject({ count: 10, height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(ds.test.count).toBe(3);
    expect([...ds.train.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...ds.test.labels]).toEqual([0, 1, 2]);
    expect(ds.train.images[7 * 3072]).toBe(7);
    expect(ds.train.classNames[0]).toBe('airplane');
  });

  it('reads class names from batches.meta.txt and rejects a wrong count', () => {
    const dir = tempDir();
    writeCifar(dir);
    const names = Array.from({ length: 10 }, (_, i) => `k${i}`);
    writeFileSync(join(dir, 'batches.meta.txt'), `${names.join('\n')}\n\n`);
    expect(loadCifar10(dir).train.classNames).toEqual(names);
    writeFileSync(join(dir, 'batches.meta.txt'), 'a\nb\n');
    expect(() => loadCifar10(dir)).toThrow(/batches\.meta\.txt lists 2 class names, expected 10/);
  });

  it('rejects a file whose size is not a multiple of 3073, naming it', () => {
    const dir = tempDir();
    writeCifar(dir);
    const file = join(dir, 'data_batch_3.bin');
    writeFileSync(file, records(2).subarray(0, RECORD + 100));
    expect(() => loadCifar10(dir)).toThrow(DataError);
    expect(() => loadCifar10(dir)).toThrow(`${file} is truncated or corrupt: it has 3173 bytes`);
  });

  it('rejects out-of-range labels and missing batches', () => {
    const bad = records(1);
    bad[0] = 10;
    expect(() => decodeCifarRecords(bad, 'b.bin')).toThrow('b.bin: record 0 has label 10');
    const dir = tempDir();
    writeFileSync(join(dir, CIFAR10_TEST_FILE), records(1));
    expect(() => loadCifar10(dir)).toThrow(expect.objectContaining({ code: 'DATA_NOT_FOUND', message: expect.stringContaining('data_batch_1.bin does not exist') }));
  });
});
