import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TricksterError } from '../../errors.js';
import type { Trial } from '../trials.js';
import { redactUrl } from './connection.js';
import { trialJobId, type QueueRecord } from './job-data.js';
import { MERGE_QUEUE, QUEUE_PREFIX, TRIAL_QUEUE } from './settings.js';

/** The state of the experiment's parent job (`waiting-children` while trials are unfinished), or null when Redis no longer holds it. */
export async function parentState(redis: Redis, queue: QueueRecord): Promise<string | null> {
  const parents = new Queue(MERGE_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  try {
    const job = await Job.fromId(parents, queue.experiment);
    return job ? await job.getState() : null;
  } finally {
    await parents.close();
  }
}

/** The `trials` whose jobs Redis no longer holds (removed, evicted, obliterated): no worker will ever train them. */
export async function lostTrials(redis: Redis, queue: QueueRecord, trials: readonly Trial[]): Promise<Trial[]> {
  const jobs = new Queue(TRIAL_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  try {
    const lost: Trial[] = [];
    for (const trial of trials) if (!(await Job.fromId(jobs, trialJobId(queue.experiment, trial.id)))) lost.push(trial);
    return lost;
  } finally {
    await jobs.close();
  }
}

/** QUEUE_JOB_LOST for trials whose jobs vanished while the command waited for them; running the command again re-enqueues them. */
export function jobLostError(queue: QueueRecord, ids: readonly string[]): TricksterError {
  const what = ids.length === 1 ? `the job of trial ${ids[0]} (${trialJobId(queue.experiment, ids[0]!)}) is` : `the jobs of trials ${ids.join(', ')} (${queue.experiment}) are`;
  return new TricksterError(
    'QUEUE_JOB_LOST',
    `${what} no longer in Redis at ${redactUrl(queue.url)} (removed, evicted or obliterated); run the same command again: it enqueues the lost trial${ids.length === 1 ? '' : 's'} again and collects the others`,
  );
}
