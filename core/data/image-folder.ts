import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import { readDataFile } from './read-file.js';
import { resizeBilinearInto } from './resize.js';
import { Rng } from './rng.js';
import { shuffledIndices } from './split.js';
import type { DatasetSplits, ImageDataset } from './types.js';

/** How to read an image folder. */
export interface ImageFolderOptions {
  /** 1: grayscale (BT.601 luma, rounded); 3: RGB (default). Alpha is always dropped. */
  readonly channels?: 1 | 3;
  /**
   * Resize every image to this size (bilinear, see resizeBilinearInto). Without it every image
   * must have the size of the first training image.
   */
  readonly size?: { readonly height: number; readonly width: number };
  /** Folder without train/ and test/: fraction of each class held out as test (default 0.2). */
  readonly testFraction?: number;
  /** Seed of that hold-out draw (default 0). */
  readonly seed?: number;
}

/** A decoded image: `width * height * 4` RGBA bytes. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

interface Entry {
  readonly file: string;
  readonly label: number;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const FIX_FILE = 'Re-export it as PNG or JPEG, or remove it from the dataset folder.';

/** What a decoding error tells the user to do: about a missing file, and about one that is not a PNG/JPEG. */
export interface DecodeHints {
  readonly missing: string;
  readonly fix: string;
}

const DATASET_HINTS: DecodeHints = { missing: 'Check the dataset folder.', fix: FIX_FILE };

/** Decodes a PNG or JPEG file (recognised by its magic bytes) to RGBA; failures name the file (hints: a dataset folder's by default). */
export function decodeImageFile(file: string, hints: DecodeHints = DATASET_HINTS): RgbaImage {
  const bytes = readDataFile(file, hints.missing);
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new DataError(`${file} is neither a PNG nor a JPEG (it does not start with their magic bytes). ${hints.fix}`);
  }
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true });
    return { width: jpeg.width, height: jpeg.height, rgba: jpeg.data };
  } catch (err) {
    throw new DataError(
      `${file} cannot be decoded as ${isPng ? 'PNG' : 'JPEG'} (${(err as Error).message}). ${hints.fix}`,
    );
  }
}

/** Writes the pixels of an RGBA image as 1 (luma) or 3 (RGB) channels into `out` at `offset`. */
export function rgbaToChannels(rgba: Uint8Array, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const pixels = rgba.length / 4;
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 1) {
      out[offset + p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[offset + 3 * p] = r;
      out[offset + 3 * p + 1] = g;
      out[offset + 3 * p + 2] = b;
    }
  }
}

/** Names of the non-hidden subfolders of `dir`, sorted by code point. */
function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** PNG/JPEG files (by extension) of one class folder, sorted by name. */
function imageFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort();
}

/** One entry per image of `dir/<class>/`, labelled by the index of the class in `classNames`. */
function entriesOf(dir: string, classNames: readonly string[]): Entry[] {
  return subfolders(dir).flatMap((name) => {
    const label = classNames.indexOf(name);
    if (label < 0) {
      throw new DataError(
        `${join(dir, name)} is a class folder that the training folder does not have ` +
          `(classes: ${classNames.join(', ')}). Rename it or add it to train/.`,
      );
    }
    return imageFiles(join(dir, name)).map((file) => ({ file, label }));
  });
}

/**
 * Decodes `entries` into one dataset. The size is `size` when given (images are resized to it),
 * else that of the first image, and every other image must match it.
 */
function decodeAll(
  entries: readonly Entry[],
  classNames: readonly string[],
  channels: 1 | 3,
  size: { height: number; width: number } | undefined,
  resize: boolean,
): ImageDataset {
  const labels = Int32Array.from(entries, (e) => e.label);
  let height = size?.height ?? 0;
  let width = size?.width ?? 0;
  let images = new Uint8Array(0);
  let scratch = new Uint8Array(0);
  entries.forEach((entry, i) => {
    const img = decodeImageFile(entry.file);
    if (i === 0 && size === undefined) {
      height = img.height;
      width = img.width;
    }
    if (i === 0) images = new Uint8Array(entries.length * height * width * channels);
    const offset = i * height * width * channels;
    if (img.height === height && img.width === width) {
      rgbaToChannels(img.rgba, channels, images, offset);
    } else if (resize) {
      if (scratch.length < img.height * img.width * channels) scratch = new Uint8Array(img.height * img.width * channels);
      rgbaToChannels(img.rgba, channels, scratch, 0);
      resizeBilinearInto(scratch, img.height, img.width, channels, images.subarray(offset), height, width);
    } else {
      throw new DataError(
        `${entry.file} is ${img.width}x${img.height} but the dataset's images are ${width}x${height}. ` +
          'Resize the images to one size, or set data.size: N in the config to resize every image to N×N (bilinear) on load.',
      );
    }
  });
  return { images, labels, count: entries.length, height, width, channels, numClasses: classNames.length, classNames };
}

/**
 * Splits each class of `entries` into train and test, holding out `round(n * fraction)` random
 * images but always keeping at least one for training.
 */
function holdOut(entries: readonly Entry[], numClasses: number, fraction: number, seed: number) {
  const rng = new Rng(seed);
  const train: Entry[] = [];
  const test: Entry[] = [];
  for (let label = 0; label < numClasses; label++) {
    const ofClass = entries.filter((e) => e.label === label);
    const order = shuffledIndices(ofClass.length, rng);
    const nTest = Math.min(Math.round(ofClass.length * fraction), ofClass.length - 1);
    order.slice(nTest).sort().forEach((i) => train.push(ofClass[i]!));
    order.slice(0, nTest).sort().forEach((i) => test.push(ofClass[i]!));
  }
  return { train, test };
}

/** True when `path` exists and is a directory. */
function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Loads a folder of PNG/JPEG images with one subfolder per class (classes sorted by name). With
 * `train/` and `test/` subfolders those are the splits; otherwise each class is split at random
 * by `testFraction`. See ImageFolderOptions for channels and sizes.
 */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): DatasetSplits {
  const channels = opts.channels ?? 3;
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in [0, 1), got ${testFraction}`);
  }
  const split = isDir(join(dir, 'train')) && isDir(join(dir, 'test'));
  const trainDir = split ? join(dir, 'train') : dir;
  const classNames = subfolders(trainDir);
  if (classNames.length === 0) {
    throw new DataError(
      `${trainDir} has no class subfolders. An image folder needs one subfolder of PNG/JPEG files per class ` +
        '(optionally under train/ and test/).',
      'DATA_NOT_FOUND',
    );
  }
  if (classNames.length === 1) {
    throw new DataError(
      `${trainDir} has one class subfolder (${classNames[0]}); a classifier needs at least 2. ` +
        'Add one subfolder of PNG/JPEG files per class.',
    );
  }
  const all = entriesOf(trainDir, classNames);
  classNames.forEach((name, label) => {
    if (!all.some((e) => e.label === label)) {
      throw new DataError(`${join(trainDir, name)} holds no .png/.jpg/.jpeg files. Add images or remove the folder.`);
    }
  });
  const parts = split
    ? { train: all, test: entriesOf(join(dir, 'test'), classNames) }
    : holdOut(all, classNames.length, testFraction, opts.seed ?? 0);
  const resize = opts.size !== undefined;
  const train = decodeAll(parts.train, classNames, channels, opts.size, resize);
  const test = decodeAll(parts.test, classNames, channels, { height: train.height, width: train.width }, resize);
  return { name: basename(dir), train, test };
}
