import { randomUUID } from 'node:crypto';
import { FlowProducer, type FlowJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Trial } from '../trials.js';
import { trialJobId, type QueueRecord, type TrialJobData } from './job-data.js';
import { MERGE_QUEUE, QUEUE_PREFIX, RETRY_BACKOFF, TRIAL_QUEUE } from './settings.js';

/** What enqueueing an experiment needs beside its trials. */
export interface EnqueueOptions {
  readonly url: string;
  readonly store: string | null;
  /** trickster version, put in every job (workers running another refuse it). */
  readonly version: string;
  /** Attempts beyond the first for a failing trial (BullMQ `attempts` is this + 1). */
  readonly retries: number;
}

/**
 * Enqueues `trials` as one BullMQ flow: a parent job on the experiments queue whose children are
 * the trials (one job each on the trials queue). A child that fails all its attempts is a soft
 * dependency (`ignoreDependencyOnFailure`): the parent still runs once every child has ended and
 * merges the results with the failures, so one failing trial never loses the table.
 */
export async function enqueueExperiment(redis: Redis, trials: readonly Trial[], options: EnqueueOptions): Promise<QueueRecord> {
  const experiment = `exp-${randomUUID().slice(0, 8)}`;
  const children: FlowJob[] = trials.map((trial) => ({
    name: trial.id,
    queueName: TRIAL_QUEUE,
    data: { version: options.version, experiment, trial } satisfies TrialJobData,
    opts: {
      jobId: trialJobId(experiment, trial.id),
      attempts: options.retries + 1,
      backoff: RETRY_BACKOFF,
      ignoreDependencyOnFailure: true,
      removeOnComplete: false,
      removeOnFail: false,
    },
  }));
  const flows = new FlowProducer({ connection: redis, prefix: QUEUE_PREFIX });
  try {
    await flows.add({ name: 'merge', queueName: MERGE_QUEUE, data: { experiment }, opts: { jobId: experiment, removeOnComplete: false }, children });
  } finally {
    await flows.close();
  }
  return { url: options.url, experiment, store: options.store, enqueued: new Date().toISOString() };
}
