import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeExperimentJobs } from '../../core/experiments/queue/collect.js';
import { enqueueExperiment } from '../../core/experiments/queue/enqueue.js';
import { trialJobId, type QueueRecord } from '../../core/experiments/queue/job-data.js';
import { mergeTrialResults, type MergedResults } from '../../core/experiments/queue/merge.js';
import type { Trial } from '../../core/experiments/trials.js';
import { useRedis } from '../helpers/redis-server.js';

/** Trials as the jobs carry them; the in-process workers below only read their ids. */
const TRIALS = ['a-s1-0000000001', 'b-s1-0000000002', 'c-s1-0000000003'].map((id) => ({ id }) as unknown as Trial);
const prefix = 'trickster';

/**
 * The enqueue-afresh path (run-queued.ts recoverQueue: an experiment whose parent merged without
 * some trials): the old experiment's jobs are removed (removeExperimentJobs) and the unfinished
 * trials enqueued as a new flow. recoverQueue does the two one after the other; here they run at
 * the same time (as a second command on the same folder could), against flows that really merged,
 * to see whether removing the old flow can touch the new one.
 */
describe('removing an experiment\'s jobs while its trials are enqueued afresh', () => {
  const redis = useRedis();
  let client: Redis;
  let trials: Queue;
  let parents: Queue;
  beforeAll(() => {
    client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: null });
    trials = new Queue('trials', { connection: client, prefix });
    parents = new Queue('experiments', { connection: client, prefix });
  });
  afterAll(async () => {
    await trials.close();
    await parents.close();
    client.disconnect();
  });

  const options = { url: 'redis://unused', store: null, version: '0.0.0-test', retries: 0 };

  /** Runs in-process workers until `experiments` have all merged: each trial job returns a done record. */
  async function trainAndMerge(experiments: readonly QueueRecord[]): Promise<MergedResults[]> {
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const trialWorker = new Worker('trials', async (job) => ({ id: job.data.trial.id, status: 'done' }), { connection, prefix, concurrency: 3 });
    const mergeWorker = new Worker('experiments', (job) => mergeTrialResults(job, trials), { connection, prefix });
    try {
      const merged: MergedResults[] = [];
      for (const { experiment } of experiments) {
        for (let i = 0; ; i++) {
          const parent = await Job.fromId(parents, experiment);
          if (parent && (await parent.getState()) === 'completed') {
            merged.push(parent.returnvalue as MergedResults);
            break;
          }
          if (i > 300) throw new Error(`${experiment} did not merge within 30 s`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return merged;
    } finally {
      await trialWorker.close();
      await mergeWorker.close();
    }
  }

  it('never removes or reuses the new flow\'s jobs: 10 merged experiments removed while their trials are enqueued afresh, each new flow then trains and merges all its trials', async () => {
    const old: QueueRecord[] = [];
    for (let i = 0; i < 10; i++) old.push(await enqueueExperiment(client, TRIALS, options));
    await trainAndMerge(old);
    // Remove each merged experiment while its trials are enqueued again, at the same time.
    const fresh = await Promise.all(old.map(async (q) => (await Promise.all([removeExperimentJobs(client, q), enqueueExperiment(client, TRIALS, options)]))[1]));
    for (const [i, q] of old.entries()) {
      expect(fresh[i]!.experiment).not.toBe(q.experiment);
      expect(await Job.fromId(parents, q.experiment)).toBeUndefined();
      for (const t of TRIALS) expect(await Job.fromId(trials, trialJobId(q.experiment, t.id))).toBeUndefined();
      expect(await client.keys(`${prefix}:*${q.experiment}*`)).toEqual([]);
    }
    for (const q of fresh) {
      expect(await (await Job.fromId(parents, q.experiment))!.getState()).toBe('waiting-children');
      for (const t of TRIALS) expect(await (await Job.fromId(trials, trialJobId(q.experiment, t.id)))!.getState()).toBe('waiting');
    }
    const merged = await trainAndMerge(fresh);
    for (const m of merged) expect(m.records.map((r) => r.id).sort()).toEqual(TRIALS.map((t) => t.id));
  }, 90_000);
});
