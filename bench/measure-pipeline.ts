/** The host data pipeline alone: trickster's training batches (shuffle, augmentation, normalisation). */
import { resolveConfig } from '../core/config/load.js';
import { DatasetProvider } from '../core/dataset-provider.js';

/**
 * Loads Fashion-MNIST as the baseline config does, then walks `batches` training batches of
 * `batch` images, `repeats` times (one fresh epoch iterator each), with the baseline's flip +
 * pad-2 crop augmentation or none. Returns images/s of each repeat. No tensors are made.
 */
export async function measurePipeline(batch: number, batches: number, repeats: number, augment: boolean): Promise<number[]> {
  const { config, baseDir } = await resolveConfig({
    inline: { extends: 'baseline', data: { limit: batch * batches }, training: { batchSize: batch } },
  });
  const data = await new DatasetProvider(baseDir).load(config);
  const rates: number[] = [];
  for (let r = -1; r < repeats; r++) {
    const t0 = performance.now();
    let images = 0;
    for await (const b of data.trainBatches(r + 1, batch, { augment })) images += b.size;
    if (r >= 0) rates.push(images / ((performance.now() - t0) / 1000));
  }
  await data.close();
  return rates;
}
