import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Trial } from '../trials.js';
import { writeJsonAtomic } from '../manifest.js';

/** What a trial job carries: everything a worker on another machine needs to train it. */
export interface TrialJobData {
  /** trickster version of the command that enqueued it; a worker running another version refuses the job. */
  readonly version: string;
  /** The experiment's queue key (see QueueRecord). */
  readonly experiment: string;
  readonly trial: Trial;
  /** Where the experiment expects the run directories: its `--store` folder (absolute), or null for the queue's Redis; a worker keeping them elsewhere refuses the job. */
  readonly store: string | null;
}

/** What a trial job's progress says while it trains (shown by `trickster experiment status`). */
export interface TrialJobProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly top1: number | null;
  /** host:pid of the worker training it. */
  readonly worker: string;
}

/** queue.json of an experiment folder: where its trials were enqueued, so later commands can collect them. */
export interface QueueRecord {
  /** The --queue URL (with its password, if it had one: the folder is the user's own). */
  readonly url: string;
  /** Unique key of this enqueueing: the parent job's id and the prefix of its trials' job ids. */
  readonly experiment: string;
  /** `--store` folder, or null when run directories travel through Redis. */
  readonly store: string | null;
  readonly enqueued: string;
}

/** The BullMQ job id of a trial of an experiment (ids may not contain `:`). */
export function trialJobId(experiment: string, trialId: string): string {
  return `${experiment}.${trialId}`;
}

/** The trial id in a job id or a job key (`prefix:queue:jobId`). */
export function trialIdOfJob(experiment: string, jobIdOrKey: string): string {
  const jobId = jobIdOrKey.split(':').pop()!;
  return jobId.startsWith(`${experiment}.`) ? jobId.slice(experiment.length + 1) : jobId;
}

/** Path of queue.json in an experiment folder. */
export function queueRecordFile(expDir: string): string {
  return path.join(expDir, 'queue.json');
}

/** The experiment's queue record, or null for an experiment run locally. */
export function readQueueRecord(expDir: string): QueueRecord | null {
  const file = queueRecordFile(expDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as QueueRecord) : null;
}

/** Writes queue.json atomically. */
export function writeQueueRecord(expDir: string, record: QueueRecord): void {
  writeJsonAtomic(queueRecordFile(expDir), record);
}
