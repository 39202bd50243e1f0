import type { ExperimentDir, Manifest } from '../manifest.js';
import { readTrialRecord } from '../trial-record.js';
import { removeExperimentJobs, type QueuedTrial } from './collect.js';
import { readQueueRecord } from './job-data.js';
import { collectOnce, openQueueSession } from './run-queued.js';

/**
 * For `experiment status|table` on a folder whose trials were enqueued (queue.json): collects the
 * trials that ended since into the folder and returns the others' queue states (running at epoch
 * k, pending); once all have ended and the flow's parent merged them, the jobs are removed from
 * the queue. Nothing to do (and no Redis needed) for a local experiment or one fully collected.
 */
export async function refreshFromQueue(exp: ExperimentDir, manifest: Manifest): Promise<ReadonlyMap<string, QueuedTrial>> {
  const queue = readQueueRecord(exp.dir);
  if (!queue || manifest.trials.every((t) => readTrialRecord(exp.resultFile(t.id))?.status === 'done')) return new Map();
  const session = await openQueueSession(queue.url, queue.store ?? undefined);
  try {
    const collection = await collectOnce(session, exp, manifest, queue);
    if (collection.merged && manifest.trials.every((t) => readTrialRecord(exp.resultFile(t.id)))) await removeExperimentJobs(session.redis, queue);
    return collection.queued;
  } finally {
    session.close();
  }
}
