import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExperimentDir, Manifest } from '../manifest.js';
import { readTrialRecord, writeTrialRecord, type TrialRecord } from '../trial-record.js';
import type { Trial } from '../trials.js';
import { unpackDir } from './dir-pack.js';
import { trialJobId, type QueueRecord, type TrialJobProgress } from './job-data.js';
import type { MergedResults } from './merge.js';
import type { RunStore } from './run-store.js';
import { MERGE_QUEUE, QUEUE_PREFIX, TRIAL_QUEUE } from './settings.js';

/** Where a queued trial without a local result stands: running (with its progress), pending, or lost (Redis no longer has its job). */
export interface QueuedTrial {
  readonly state: 'running' | 'pending' | 'lost';
  readonly progress: TrialJobProgress | null;
}

/** What one collection found: trials recorded now, the rest's queue state, and whether the flow's parent has merged all results. */
export interface Collection {
  readonly collected: readonly TrialRecord[];
  readonly queued: ReadonlyMap<string, QueuedTrial>;
  readonly merged: boolean;
}

/** The record of a trial whose job ended (completed: its return value; failed all attempts: its reason), or null while it has not. */
async function endedRecord(job: Job, trial: Trial): Promise<TrialRecord | null> {
  const state = await job.getState();
  if (state === 'completed') return job.returnvalue as TrialRecord;
  if (state !== 'failed') return null;
  const wallSeconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000;
  return { id: trial.id, status: 'failed', attempts: job.attemptsMade, wallSeconds, error: job.failedReason };
}

/**
 * Brings an experiment folder up to date with its queue: each trial that ended (in the parent's
 * merged results once it ran, else by its own job) gets its run directory from the store and its
 * results/<id>.json, as a local run would have left them, and its pack is removed from the store
 * (a failed trial's too); the others' queue states and progress
 * (epoch, top-1) are returned.
 */
export async function collectQueued(redis: Redis, store: RunStore, exp: ExperimentDir, manifest: Manifest, queue: QueueRecord): Promise<Collection> {
  const trials = new Queue(TRIAL_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  const parents = new Queue(MERGE_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  const collected: TrialRecord[] = [];
  const queued = new Map<string, QueuedTrial>();
  try {
    const parent = await Job.fromId(parents, queue.experiment);
    const mergedResults = parent && (await parent.getState()) === 'completed' ? (parent.returnvalue as MergedResults) : null;
    const merged = new Map(mergedResults?.records.map((r) => [r.id, r]));
    for (const trial of manifest.trials) {
      const existing = readTrialRecord(exp.resultFile(trial.id));
      if (existing?.status === 'done') continue;
      const job = await Job.fromId(trials, trialJobId(queue.experiment, trial.id));
      const record = merged.get(trial.id) ?? (job ? await endedRecord(job, trial) : null);
      if (!record) {
        const progress = job && typeof job.progress === 'object' ? (job.progress as unknown as TrialJobProgress) : null;
        const state = job ? ((await job.getState()) === 'active' ? 'running' : 'pending') : 'lost';
        if (state !== 'lost' || !existing) queued.set(trial.id, { state, progress });
        continue;
      }
      if (existing?.status === 'failed' && record.status === 'failed') continue;
      const pack = await store.get(queue.experiment, trial.id);
      if (pack) unpackDir(pack, exp.runDir(trial.id));
      const local: TrialRecord = record.status === 'done' ? { ...record, summary: { ...record.summary, runDir: exp.runDir(trial.id) } } : record;
      writeTrialRecord(exp.resultFile(trial.id), local);
      collected.push(local);
      // Collected, done or failed for good: the folder holds the run directory now. (A failed trial run
      // again is enqueued under a new experiment key, so its old pack would never be read again.)
      await store.delete(queue.experiment, trial.id);
    }
    return { collected, queued, merged: mergedResults !== null };
  } finally {
    await trials.close();
    await parents.close();
  }
}

/** Removes an experiment's jobs (the flow's parent and its trials) from the queue, once all are collected. */
export async function removeExperimentJobs(redis: Redis, queue: QueueRecord): Promise<void> {
  const parents = new Queue(MERGE_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  try {
    await (await Job.fromId(parents, queue.experiment))?.remove({ removeChildren: true });
  } finally {
    await parents.close();
  }
}
