import { ConfigError } from '../errors.js';

/**
 * Refuses a training batch larger than the training set: the last partial batch of an epoch is
 * dropped, so such a run would train no step and export an untrained model. The message names the
 * batch size, the training-set size, what made the set that small and how to fix it.
 */
export function checkBatchFits(trainCount: number, batchSize: number, data: { readonly limit?: number; readonly validationSplit: number }): void {
  if (batchSize <= trainCount) return;
  const cut = [
    data.limit !== undefined ? `data.limit ${data.limit}` : '',
    data.validationSplit > 0 ? `validationSplit ${data.validationSplit} held out` : '',
  ].filter(Boolean);
  const why = cut.length ? ` (${cut.join(', ')})` : '';
  throw new ConfigError(
    `training.batchSize: ${batchSize} is more than the ${trainCount} training images${why}, so not one full batch fits and nothing would train. ` +
      `Use --batch-size ${trainCount} or less${data.limit !== undefined ? ', or raise --limit' : ''}.`,
  );
}
