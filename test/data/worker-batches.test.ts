import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import { InlineBatchSource } from '../../core/data/batch-source.js';
import type { BatchPlan } from '../../core/data/batch-plan.js';
import { loadIdxDataset } from '../../core/data/idx.js';
import { DEFAULT_DATA_DIR } from '../../core/data/locate.js';
import { limitDataset } from '../../core/data/split.js';
import type { HostBatch } from '../../core/data/types.js';
import { sharedDataset } from '../../core/data/workers/shared-dataset.js';
import { WorkerBatchSource } from '../../core/data/workers/worker-batch-source.js';
import { DatasetProvider } from '../../core/dataset-provider.js';

// Real Fashion-MNIST (the Debian package .ci/run installs), cut to a few batches.
const full = loadIdxDataset(DEFAULT_DATA_DIR);
const train = sharedDataset(limitDataset(full.train, 1000, 7));
const test = sharedDataset(limitDataset(full.test, 300, 7));
const splits = { train, validation: test, test };
const stats = { mean: [0.286], std: [0.353] };

const open: WorkerBatchSource[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
function workerSource(prefetch = 3): WorkerBatchSource {
  const s = new WorkerBatchSource(splits, stats, prefetch);
  open.push(s);
  return s;
}

async function collect(batches: AsyncIterable<HostBatch>): Promise<HostBatch[]> {
  const out: HostBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

const augment = { flipProbability: 0.5, padding: 2, randAugment: { n: 2, m: 9 } } as const;
const plans: Record<string, BatchPlan> = {
  'shuffled, augmented train pass': { split: 'train', batchSize: 128, seed: 12345, augment, dropLast: true },
  'ordered test pass with a partial last batch': { split: 'test', batchSize: 128, dropLast: false },
  'train pass resized to 36x36 (FixRes)': { split: 'train', batchSize: 100, seed: 9, inputSize: 36, dropLast: true },
};

describe('data worker', () => {
  for (const [name, plan] of Object.entries(plans)) {
    it(`makes the same batches as the training thread: ${name}`, async () => {
      const inline = await collect(new InlineBatchSource(splits, stats).batches(plan));
      const worker = await collect(workerSource().batches(plan));
      expect(worker.length).toBe(inline.length);
      expect(worker.length).toBeGreaterThan(1);
      worker.forEach((b, i) => {
        const a = inline[i]!;
        expect([b.size, b.height, b.width, b.channels]).toEqual([a.size, a.height, a.width, a.channels]);
        expect(Buffer.from(b.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(true);
        expect([...b.labels]).toEqual([...a.labels]);
      });
    });
  }

  it('serves several passes at once and a new pass after one left early', async () => {
    const s = workerSource(2);
    const plan = plans['shuffled, augmented train pass']!;
    const a = s.batches(plan)[Symbol.asyncIterator]();
    const b = s.batches({ ...plan, seed: 1 })[Symbol.asyncIterator]();
    const [a1, b1] = await Promise.all([a.next(), b.next()]);
    expect(a1.done).toBe(false);
    expect(b1.done).toBe(false);
    expect(Buffer.from(a1.value!.x.buffer).equals(Buffer.from(b1.value!.x.buffer))).toBe(false);
    await a.return!();
    await b.return!();
    let count = 0;
    for await (const batch of s.batches(plan)) {
      count += batch.size;
      if (count >= 256) break;
    }
    expect(count).toBe(256);
    expect((await collect(s.batches(plan))).length).toBe(Math.floor(1000 / 128));
  });

  it('passes an error made in the worker on to the reader, naming what was wrong', async () => {
    const s = workerSource();
    await expect(collect(s.batches({ split: 'train', batchSize: 0, dropLast: true }))).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    // The worker keeps serving after a failed pass.
    expect((await collect(s.batches({ split: 'test', batchSize: 100, dropLast: false }))).length).toBe(3);
  });

  it('refuses to read after close with a clear error', async () => {
    const s = workerSource();
    await s.close();
    expect(() => s.batches(plans['ordered test pass with a partial last batch']!)[Symbol.asyncIterator]()).toThrow(/data source is closed/);
  });

  it('is what DatasetProvider uses unless data.worker is false, with identical batches either way', async () => {
    const sums: number[] = [];
    for (const worker of [true, false]) {
      const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline', data: { worker, limit: 512 } } });
      const data = await new DatasetProvider(baseDir).load(config);
      let sum = 0;
      for await (const b of data.trainBatches(3, 128)) for (let i = 0; i < b.x.length; i += 97) sum += b.x[i]! * (1 + b.labels[i % b.size]!);
      sums.push(sum);
      expect((data as unknown as { source: object }).source.constructor.name).toBe(worker ? 'WorkerBatchSource' : 'InlineBatchSource');
      await data.close();
    }
    expect(sums[0]).toBe(sums[1]);
  });
});

