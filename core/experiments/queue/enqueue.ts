import { randomUUID } from 'node:crypto';
import { FlowProducer, Queue, type FlowJob } from 'bullmq';
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

/** The job of one trial of `experiment`: its data, id, attempts and backoff; a soft dependency of the experiment's parent. */
function trialJob(experiment: string, trial: Trial, options: EnqueueOptions): FlowJob {
  return {
    name: trial.id,
    queueName: TRIAL_QUEUE,
    data: { version: options.version, experiment, trial, store: options.store } satisfies TrialJobData,
    opts: {
      jobId: trialJobId(experiment, trial.id),
      attempts: options.retries + 1,
      backoff: RETRY_BACKOFF,
      ignoreDependencyOnFailure: true,
      removeOnComplete: false,
      removeOnFail: false,
    },
  };
}

/**
 * Enqueues `trials` as one BullMQ flow: a parent job on the experiments queue whose children are
 * the trials (one job each on the trials queue). A child that fails all its attempts is a soft
 * dependency (`ignoreDependencyOnFailure`): the parent still runs once every child has ended and
 * merges the results with the failures, so one failing trial never loses the table.
 */
export async function enqueueExperiment(redis: Redis, trials: readonly Trial[], options: EnqueueOptions): Promise<QueueRecord> {
  const experiment = `exp-${randomUUID().slice(0, 8)}`;
  const flows = new FlowProducer({ connection: redis, prefix: QUEUE_PREFIX });
  try {
    await flows.add({ name: 'merge', queueName: MERGE_QUEUE, data: { experiment }, opts: { jobId: experiment, removeOnComplete: false }, children: trials.map((t) => trialJob(experiment, t, options)) });
  } finally {
    await flows.close();
  }
  return { url: options.url, experiment, store: options.store, enqueued: new Date().toISOString() };
}

/**
 * Adds `trials` again, under their old job ids, as children of the experiment's parent job, which
 * must still be waiting for its children (the trials' jobs vanished from Redis: see lost-jobs.ts);
 * the parent then waits for them too and merges their results with the others'.
 */
export async function reenqueueTrials(redis: Redis, queue: QueueRecord, trials: readonly Trial[], options: EnqueueOptions): Promise<void> {
  const jobs = new Queue(TRIAL_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  try {
    for (const trial of trials) {
      const { name, data, opts } = trialJob(queue.experiment, trial, options);
      await jobs.add(name, data, { ...opts, parent: { id: queue.experiment, queue: `${QUEUE_PREFIX}:${MERGE_QUEUE}` } });
    }
  } finally {
    await jobs.close();
  }
}
