import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { readDataFile } from './read-file.js';
import type { DatasetSplits, ImageDataset } from './types.js';

/** An array read from an IDX file: its dimensions and its unsigned bytes. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Names of the IDX datasets this reader knows. */
export type IdxDatasetName = 'mnist' | 'fashion-mnist';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;
/** MNIST class names (the digits), by label. */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

const UBYTE = 0x08;
const REFETCH = 'Download it again (for Fashion-MNIST: `apt-get install --reinstall dataset-fashion-mnist`).';

/**
 * Parses the bytes of an IDX file (gunzipping them first when they start with 1f 8b). Only the
 * unsigned-byte type (0x08) is accepted. `file` is used in error messages.
 */
export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  let bytes = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (err) {
      throw new DataError(`${file} is a damaged gzip file (${(err as Error).message}). ${REFETCH}`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${file} is not an IDX file: it does not start with the magic bytes 00 00. ${REFETCH}`);
  }
  if (bytes[2] !== UBYTE) {
    throw new DataError(
      `${file} holds IDX type 0x${bytes[2]!.toString(16).padStart(2, '0')}, but only unsigned bytes (0x08) are supported.`,
    );
  }
  const ndims = bytes[3]!;
  const headerSize = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < headerSize) {
    throw new DataError(`${file} has a broken IDX header (${ndims} dimensions, ${bytes.length} bytes). ${REFETCH}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = headerSize + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new DataError(
      `${file} is truncated or corrupt: expected ${expected} bytes from its header, found ${bytes.length} ` +
        `(header dims ${dims.join('x')}). ${REFETCH}`,
    );
  }
  // A plain Uint8Array view (not a Buffer, whose slice() would not copy).
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, expected - headerSize) };
}

/** Reads and parses one IDX file, gzipped or not. */
export function readIdxFile(file: string): IdxArray {
  return parseIdx(readDataFile(file, REFETCH), file);
}

/** Path of `<prefix>-<kind>` in `dir`, accepting `-` or `.` before the kind and an optional `.gz`. */
function findIdxFile(dir: string, prefix: string, kind: string): string {
  const candidates = [`${prefix}-${kind}`, `${prefix}.${kind}`].flatMap((n) => [`${n}.gz`, n]);
  const found = candidates.find((name) => existsSync(join(dir, name)));
  if (found === undefined) {
    throw new DataError(
      `${join(dir, candidates[0]!)} does not exist (also looked for ${candidates.slice(1).join(', ')}). ` +
        `Point --data at a folder with the MNIST/Fashion-MNIST train-* and t10k-* files, ` +
        'or install Fashion-MNIST with `apt-get install -y dataset-fashion-mnist`.',
      'DATA_NOT_FOUND',
    );
  }
  return join(dir, found);
}

/** Reads one split (`train` or `t10k`) and checks images and labels agree. */
function readSplit(dir: string, prefix: string, classNames: readonly string[]): ImageDataset {
  const imagesFile = findIdxFile(dir, prefix, 'images-idx3-ubyte');
  const labelsFile = findIdxFile(dir, prefix, 'labels-idx1-ubyte');
  const images = readIdxFile(imagesFile);
  const labels = readIdxFile(labelsFile);
  if (images.dims.length !== 3) {
    throw new DataError(`${imagesFile} has ${images.dims.length} dimensions, expected 3 (count, rows, columns).`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${labelsFile} has ${labels.dims.length} dimensions, expected 1 (count).`);
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DataError(
      `${labelsFile} holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images; ` +
        'the two files must come from the same download.',
    );
  }
  const bad = labels.data.findIndex((l) => l >= classNames.length);
  if (bad >= 0) {
    throw new DataError(
      `${labelsFile}: label ${labels.data[bad]} at index ${bad} is not below ${classNames.length}. ${REFETCH}`,
    );
  }
  return {
    images: images.data,
    labels: labels.data.slice(),
    count,
    height,
    width,
    channels: 1,
    numClasses: classNames.length,
    classNames,
  };
}

/** Which IDX dataset a folder holds, by its name: 'fashion-mnist' if it contains "fashion" or "fmnist", else 'mnist'. */
export function idxDatasetName(dir: string): IdxDatasetName {
  return /fashion|fmnist/i.test(basename(dir)) ? 'fashion-mnist' : 'mnist';
}

/**
 * Loads an MNIST-layout folder (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally `.gz`). `name` selects the class
 * names; when omitted it is 'fashion-mnist' if the folder name contains "fashion" or "fmnist",
 * else 'mnist'.
 */
export function loadIdxDataset(dir: string, opts: { name?: IdxDatasetName } = {}): DatasetSplits {
  const name = opts.name ?? idxDatasetName(dir);
  const classNames = name === 'fashion-mnist' ? FASHION_MNIST_CLASSES : MNIST_CLASSES;
  return { name, train: readSplit(dir, 'train', classNames), test: readSplit(dir, 't10k', classNames) };
}
