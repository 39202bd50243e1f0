import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImageFile, loadImageFolder } from '../../core/data/image-folder.js';
import { resizeBilinearInto } from '../../core/data/resize.js';
import { DataError } from '../../core/errors.js';
import { tempDir } from './helpers.js';

type Rgb = [number, number, number];

/** RGBA bytes of a width x height image filled by `color(x, y)`. */
function rgba(width: number, height: number, color: (x: number, y: number) => Rgb): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...color(x, y), 255], (y * width + x) * 4);
    }
  }
  return data;
}

/** Writes a PNG file. */
function writePng(file: string, width: number, height: number, color: (x: number, y: number) => Rgb): void {
  const png = new PNG({ width, height });
  png.data = rgba(width, height, color);
  writeFileSync(file, PNG.sync.write(png));
}

/** Writes a high-quality JPEG file. */
function writeJpeg(file: string, width: number, height: number, color: (x: number, y: number) => Rgb): void {
  writeFileSync(file, encodeJpeg({ width, height, data: rgba(width, height, color) }, 100).data);
}

/** Writes `<root>/<split>/<class>/` folders and returns their paths. */
function classDir(root: string, ...parts: string[]): string {
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A train/test folder: classes "dog" and "cat" (so "cat" is class 0), PNG and JPEG mixed. */
function writeSplitFolder(root: string): void {
  writePng(join(classDir(root, 'train', 'dog'), 'a.png'), 4, 3, (x, y) => [10 * x, 20 * y, 200]);
  writeJpeg(join(classDir(root, 'train', 'dog'), 'b.jpg'), 4, 3, () => [200, 100, 50]);
  writePng(join(classDir(root, 'train', 'cat'), 'c.png'), 4, 3, () => [0, 255, 0]);
  writeFileSync(join(root, 'train', 'cat', 'notes.txt'), 'ignored');
  writePng(join(classDir(root, 'test', 'dog'), 'd.png'), 4, 3, () => [1, 2, 3]);
}

describe('image folder reader', () => {
  it('reads train/ and test/ with sorted classes, exact PNG and close JPEG pixels', () => {
    const root = tempDir();
    writeSplitFolder(root);
    const ds = loadImageFolder(root);
    expect(ds.train.classNames).toEqual(['cat', 'dog']);
    expect(ds.train).toMatchObject({ count: 3, height: 3, width: 4, channels: 3, numClasses: 2 });
    expect([...ds.train.labels]).toEqual([0, 1, 1]);
    const px = (img: number, x: number, y: number) => [...ds.train.images.subarray(((img * 3 + y) * 4 + x) * 3, ((img * 3 + y) * 4 + x) * 3 + 3)];
    expect(px(0, 1, 1)).toEqual([0, 255, 0]);
    expect(px(1, 3, 2)).toEqual([30, 40, 200]);
    px(2, 2, 1).forEach((v, c) => expect(Math.abs(v - [200, 100, 50][c]!)).toBeLessThanOrEqual(3));
    expect(ds.test.count).toBe(1);
    expect([...ds.test.labels]).toEqual([1]);
    expect([...ds.test.images.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('converts to one luma channel when asked', () => {
    const root = tempDir();
    writeSplitFolder(root);
    const ds = loadImageFolder(root, { channels: 1 });
    expect(ds.train.channels).toBe(1);
    expect(ds.train.images.length).toBe(3 * 12);
    expect(ds.train.images[0]).toBe(Math.round(0.587 * 255));
  });

  it('splits a single folder per class by testFraction, reproducibly', () => {
    const root = tempDir();
    for (const cls of ['a', 'b']) {
      for (let i = 0; i < 10; i++) writePng(join(classDir(root, cls), `${i}.png`), 2, 2, () => [i, i, i]);
    }
    const ds = loadImageFolder(root, { testFraction: 0.3, seed: 5 });
    expect(ds.train.count).toBe(14);
    expect(ds.test.count).toBe(6);
    expect([...ds.test.labels]).toEqual([0, 0, 0, 1, 1, 1]);
    expect(loadImageFolder(root, { testFraction: 0.3, seed: 5 }).test.images).toEqual(ds.test.images);
  });

  it('names a file that does not decode', () => {
    const root = tempDir();
    writeSplitFolder(root);
    const bad = join(root, 'train', 'cat', 'broken.png');
    writeFileSync(bad, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(30, 7)]));
    expect(() => loadImageFolder(root)).toThrow(DataError);
    expect(() => loadImageFolder(root)).toThrow(`${bad} cannot be decoded as PNG`);
    writeFileSync(bad, 'not an image');
    expect(() => decodeImageFile(bad)).toThrow(`${bad} is neither a PNG nor a JPEG`);
  });

  it('rejects mixed sizes unless a size is given, then resizes', () => {
    const root = tempDir();
    writeSplitFolder(root);
    const big = join(root, 'train', 'dog', 'z.png');
    writePng(big, 8, 6, () => [9, 9, 9]);
    expect(() => loadImageFolder(root)).toThrow(`${big} is 8x6 but the dataset's images are 4x3`);
    const ds = loadImageFolder(root, { size: { height: 3, width: 4 } });
    expect(ds.train.count).toBe(4);
    expect([...ds.train.images.subarray(3 * 36, 3 * 36 + 3)]).toEqual([9, 9, 9]);
  });

  it('rejects a test class the training folder lacks, and an empty folder', () => {
    const root = tempDir();
    writeSplitFolder(root);
    writePng(join(classDir(root, 'test', 'fox'), 'f.png'), 4, 3, () => [0, 0, 0]);
    expect(() => loadImageFolder(root)).toThrow(/fox is a class folder that the training folder does not have/);
    expect(() => loadImageFolder(tempDir())).toThrow(expect.objectContaining({ code: 'DATA_NOT_FOUND' }));
  });

  it('refuses one class: a classifier needs two class subfolders', () => {
    const root = tempDir();
    writePng(join(classDir(root, 'only'), 'a.png'), 4, 3, () => [0, 0, 0]);
    expect(() => loadImageFolder(root)).toThrow(
      expect.objectContaining({ code: 'DATA_CORRUPT', message: `${root} has one class subfolder (only); a classifier needs at least 2. Add one subfolder of PNG/JPEG files per class.` }),
    );
  });
});

describe('bilinear resize', () => {
  it('keeps an image of the same size and interpolates when upscaling', () => {
    const src = Uint8Array.of(0, 100, 200, 40);
    const same = new Uint8Array(4);
    resizeBilinearInto(src, 2, 2, 1, same, 2, 2);
    expect([...same]).toEqual([...src]);
    const row = new Uint8Array(4);
    resizeBilinearInto(Uint8Array.of(0, 100), 1, 2, 1, row, 1, 4);
    expect([...row]).toEqual([0, 25, 75, 100]);
  });
});
