import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataError } from '../errors.js';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10 } from './cifar.js';
import { loadIdxDataset, type IdxDatasetName } from './idx.js';
import { loadImageFolder, type ImageFolderOptions } from './image-folder.js';
import { resizeDataset } from './resize-dataset.js';
import type { DatasetSplits } from './types.js';

/** Where Debian's dataset-fashion-mnist package installs Fashion-MNIST; the last fallback. */
export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

/** Dataset layouts trickster reads. */
export type DataFormat = 'idx' | 'cifar10' | 'image-folder';

const GET_DATA =
  'Pass --data fashion-mnist (or mnist, cifar10) to download a dataset into the cache, run ' +
  `\`apt-get install -y dataset-fashion-mnist\` (it installs into ${DEFAULT_DATA_DIR}), or pass --data DIR naming ` +
  'a folder of MNIST/Fashion-MNIST IDX files, CIFAR-10 binary batches, or class subfolders of PNG/JPEG images.';

/**
 * Picks the data folder: the --data flag, else the config's `data.dir` (already resolved against
 * the config file), else $TRICKSTER_DATA, else DEFAULT_DATA_DIR. Empty strings count as unset.
 * Returns an absolute path; throws DATA_NOT_FOUND naming the source when the folder is missing.
 */
export function resolveDataDir(opts: { cliDir?: string; configDir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = opts.env ?? process.env;
  const candidates: [string | undefined, string][] = [
    [opts.cliDir, 'the --data flag'],
    [opts.configDir, 'data.dir in the config'],
    [env['TRICKSTER_DATA'], 'the TRICKSTER_DATA environment variable'],
    [DEFAULT_DATA_DIR, 'the default location'],
  ];
  const [dir, source] = candidates.find(([d]) => d !== undefined && d !== '') as [string, string];
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new DataError(`Data folder ${abs} (from ${source}) does not exist or is not a folder. ${GET_DATA}`, 'DATA_NOT_FOUND');
  }
  return abs;
}

/** Recognises the layout of `dir` from its file names; throws DATA_NOT_FOUND when none fits. */
export function detectFormat(dir: string): DataFormat {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(`Data folder ${dir} does not exist or is not a folder. ${GET_DATA}`, 'DATA_NOT_FOUND');
  }
  const entries = readdirSync(dir, { withFileTypes: true });
  const names = new Set(entries.map((e) => e.name));
  if (entries.some((e) => /^train[-.]images[-.]idx3-ubyte(\.gz)?$/.test(e.name))) return 'idx';
  if ([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].some((n) => names.has(n))) return 'cifar10';
  if (entries.some((e) => e.isDirectory() && !e.name.startsWith('.'))) return 'image-folder';
  throw new DataError(
    `${dir} holds no dataset trickster recognises: expected train-images-idx3-ubyte[.gz] (MNIST layout), ` +
      `data_batch_1.bin .. test_batch.bin (CIFAR-10 binary), or class subfolders of images. ${GET_DATA}`,
    'DATA_NOT_FOUND',
  );
}

/** Options of loadDataset: a forced format plus the options of each reader. */
export interface LoadDatasetOptions extends Omit<ImageFolderOptions, 'size'> {
  /** Skip detection and read `dir` as this format. */
  readonly format?: DataFormat;
  /** Class names of an IDX folder (see loadIdxDataset). */
  readonly name?: IdxDatasetName;
  /** Resize every image of every format to size × size (bilinear; `data.size`). */
  readonly size?: number;
}

/** Loads `dir` with the reader of its (detected or given) format, resized to `opts.size` if given. */
export function loadDataset(dir: string, opts: LoadDatasetOptions = {}): DatasetSplits {
  const format = opts.format ?? detectFormat(dir);
  const { size } = opts;
  if (format === 'image-folder') return loadImageFolder(dir, { ...opts, size: size === undefined ? undefined : { height: size, width: size } });
  const splits = format === 'idx' ? loadIdxDataset(dir, opts.name ? { name: opts.name } : {}) : loadCifar10(dir);
  if (size === undefined) return splits;
  return { ...splits, train: resizeDataset(splits.train, size), test: resizeDataset(splits.test, size) };
}
