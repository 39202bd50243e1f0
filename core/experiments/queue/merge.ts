import { Job, type Queue } from 'bullmq';
import type { TrialRecord } from '../trial-record.js';
import { trialIdOfJob } from './job-data.js';

/** The parent job's result: every trial's record, finished or failed. */
export interface MergedResults {
  readonly records: readonly TrialRecord[];
}

/** What a failed child's job says: its failure reason, attempts and time. */
function failedRecord(id: string, reason: string, child: Job | undefined): TrialRecord {
  const wallSeconds = child ? ((child.finishedOn ?? Date.now()) - (child.processedOn ?? child.timestamp)) / 1000 : 0;
  return { id, status: 'failed', attempts: child?.attemptsMade ?? 0, wallSeconds, error: reason };
}

/**
 * The processor of an experiment's parent job, run once all its trials have ended: merges the
 * children's results (their return values, each a TrialRecord) with the failures of the children
 * that failed every attempt (soft dependencies, see enqueueExperiment) into one list.
 */
export async function mergeTrialResults(job: Job<{ experiment: string }>, trials: Queue): Promise<MergedResults> {
  const values = (await job.getChildrenValues()) as Record<string, TrialRecord>;
  const failures = await job.getIgnoredChildrenFailures();
  const failed = await Promise.all(
    Object.entries(failures).map(async ([key, reason]) => {
      const child = await Job.fromId(trials, key.split(':').pop()!);
      return failedRecord(trialIdOfJob(job.data.experiment, key), reason, child);
    }),
  );
  return { records: [...Object.values(values), ...failed] };
}
