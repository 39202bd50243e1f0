import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { readDataFile } from './read-file.js';
import type { DatasetSplits, ImageDataset } from './types.js';

/** CIFAR-10 class names, by label, used when batches.meta.txt is absent. */
export const CIFAR10_CLASSES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
] as const;

/** File names of the CIFAR-10 binary training batches. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** File name of the CIFAR-10 binary test batch. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
const REFETCH =
  'Download the "CIFAR-10 binary version" again (cifar-10-binary.tar.gz) and point --data at its cifar-10-batches-bin folder.';

/**
 * Decodes CIFAR-10 binary records (1 label byte, then 1024 red, 1024 green and 1024 blue bytes,
 * row-major) into HWC pixels. `file` is used in error messages.
 */
export function decodeCifarRecords(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DataError(
      `${file} is truncated or corrupt: it has ${bytes.length} bytes, which is not a positive multiple of ` +
        `the ${RECORD}-byte CIFAR-10 record (${Math.floor(bytes.length / RECORD)} whole records, ` +
        `${bytes.length % RECORD} bytes left over). ${REFETCH}`,
    );
  }
  const count = bytes.length / RECORD;
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * RECORD;
    const label = bytes[rec]!;
    if (label >= CIFAR10_CLASSES.length) {
      throw new DataError(`${file}: record ${n} has label ${label}, expected 0..9. ${REFETCH}`);
    }
    labels[n] = label;
    const out = n * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[rec + 1 + p]!;
      images[out + 3 * p + 1] = bytes[rec + 1 + PLANE + p]!;
      images[out + 3 * p + 2] = bytes[rec + 1 + 2 * PLANE + p]!;
    }
  }
  return { images, labels };
}

/** Reads and concatenates the given batch files of `dir` into one dataset. */
function readBatches(dir: string, files: readonly string[], classNames: readonly string[]): ImageDataset {
  const parts = files.map((name) => {
    const file = join(dir, name);
    return decodeCifarRecords(readDataFile(file, REFETCH), file);
  });
  const count = parts.reduce((sum, p) => sum + p.labels.length, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const part of parts) {
    images.set(part.images, offset * 3 * PLANE);
    labels.set(part.labels, offset);
    offset += part.labels.length;
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3, numClasses: classNames.length, classNames };
}

/** Class names from batches.meta.txt (one per line) when present, else the standard ones. */
function readClassNames(dir: string): readonly string[] {
  const file = join(dir, 'batches.meta.txt');
  if (!existsSync(file)) return CIFAR10_CLASSES;
  const names = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (names.length !== CIFAR10_CLASSES.length) {
    throw new DataError(
      `${file} lists ${names.length} class names, expected ${CIFAR10_CLASSES.length} (one per line). ` +
        'Fix or delete it (the standard CIFAR-10 names are used without it).',
    );
  }
  return names;
}

/** Loads the CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin in `dir`. */
export function loadCifar10(dir: string): DatasetSplits {
  const classNames = readClassNames(dir);
  return {
    name: 'cifar10',
    train: readBatches(dir, CIFAR10_TRAIN_FILES, classNames),
    test: readBatches(dir, [CIFAR10_TEST_FILE], classNames),
  };
}
