import path from 'node:path';
import type { TricksterConfig } from '../config/schema.js';
import { loadDataset, resolveDataDir } from '../data/locate.js';
import { limitDataset, validationSplit } from '../data/split.js';

/**
 * Images the trainer trains on per epoch, cut as the data provider cuts them (core/dataset-provider.ts):
 * the dataset's training split (found as `train` finds it: `dataDir`, else `data.dir` against
 * `baseDir`, else TRICKSTER_DATA, else the default folder), `data.limit` of it (seeded), minus the
 * stratified validation split of `data.validationSplit`.
 */
export function trainingImageCount(config: TricksterConfig, baseDir: string, dataDir?: string): number {
  const { data, training } = config;
  const configDir = data.dir !== undefined ? path.resolve(baseDir, data.dir) : undefined;
  const splits = loadDataset(resolveDataDir({ cliDir: dataDir, configDir }));
  const limited = data.limit !== undefined ? limitDataset(splits.train, data.limit, training.seed) : splits.train;
  return validationSplit(limited, data.validationSplit, training.seed).train.count;
}
