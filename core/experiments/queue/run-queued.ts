import { Redis } from 'ioredis';
import { TricksterError } from '../../errors.js';
import type { ExperimentDir, Manifest } from '../manifest.js';
import { readTrialRecord } from '../trial-record.js';
import type { Trial } from '../trials.js';
import { collectQueued, removeExperimentJobs, type Collection } from './collect.js';
import { connectionError, probeRedis, queueConnection, redactUrl } from './connection.js';
import { enqueueExperiment, reenqueueTrials } from './enqueue.js';
import { readQueueRecord, writeQueueRecord, type QueueRecord } from './job-data.js';
import { jobLostError, lostTrials, parentState } from './lost-jobs.js';
import { openRunStore, type RunStore } from './run-store.js';
import { COMMAND_TIMEOUT_MS, PRODUCER_GRACE_SECONDS } from './settings.js';

/** How an experiment runs on a queue. */
export interface QueuedRunOptions {
  readonly url: string;
  readonly store?: string;
  /** Enqueue and return; results are collected by a later `experiment status|table` or the same command. */
  readonly detach: boolean;
  readonly retries: number;
  readonly version: string;
  readonly log: (line: string) => void;
  /** Aborting stops waiting (the trials go on on the workers). */
  readonly signal?: AbortSignal;
}

/** A connection to the queue of an experiment folder, for the commands that enqueue and collect. */
export interface QueueSession {
  readonly redis: Redis;
  readonly store: RunStore;
  close(): void;
}

/** Opens a connection that fails commands fast while Redis is away (the caller decides how long to wait), after probing the URL. */
export async function openQueueSession(url: string, storeDir: string | undefined): Promise<QueueSession> {
  await probeRedis(url);
  const redis = new Redis({ ...queueConnection(url), maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS });
  redis.on('error', () => {});
  try {
    await withTimeout(new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()))), COMMAND_TIMEOUT_MS);
  } catch (err) {
    redis.disconnect();
    throw connectionError(url, err);
  }
  return { redis, store: openRunStore(redis, storeDir), close: () => redis.disconnect() };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer from Redis within ${ms / 1000} s`)), ms).unref())]);
}

/** One collection from the queue, given up after a few round-trip timeouts (Redis away: the caller retries). */
export function collectOnce(session: QueueSession, exp: ExperimentDir, manifest: Manifest, queue: QueueRecord): Promise<Collection> {
  return withTimeout(collectQueued(session.redis, session.store, exp, manifest, queue), 3 * COMMAND_TIMEOUT_MS);
}

/**
 * The queue record to go on with, or null to enqueue the unfinished trials afresh: null when Redis
 * no longer holds the experiment's parent job; trials whose jobs vanished (lost-jobs.ts) are added
 * back under the parent while it waits for its children, else (it has merged without them) the
 * ended trials are collected, the old jobs removed and the rest enqueued afresh.
 */
async function recoverQueue(session: QueueSession, exp: ExperimentDir, manifest: Manifest, queue: QueueRecord, options: QueuedRunOptions): Promise<QueueRecord | null> {
  const state = await parentState(session.redis, queue);
  if (state === null) {
    options.log(`queue ${redactUrl(queue.url)} no longer holds this experiment's jobs (${queue.experiment}); enqueueing its unfinished trials again`);
    return null;
  }
  const lost = await lostTrials(session.redis, queue, unfinished(exp, manifest));
  if (lost.length === 0) return queue;
  if (state === 'waiting-children') {
    await reenqueueTrials(session.redis, queue, lost, { url: queue.url, store: queue.store, version: options.version, retries: options.retries });
    options.log(`re-enqueued ${lost.length} lost trial(s) of ${queue.experiment}: ${lost.map((t) => t.id).join(', ')}`);
    return queue;
  }
  await collectOnce(session, exp, manifest, queue);
  await removeExperimentJobs(session.redis, queue);
  options.log(`queue ${redactUrl(queue.url)} lost the jobs of ${lost.map((t) => t.id).join(', ')} (${queue.experiment}); enqueueing the unfinished trials again`);
  return null;
}

/** The trials without a done result in the experiment folder. */
function unfinished(exp: ExperimentDir, manifest: Manifest): Trial[] {
  return manifest.trials.filter((t) => readTrialRecord(exp.resultFile(t.id))?.status !== 'done');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (x: number | null | undefined) => (x == null ? '' : ` top-1 ${(100 * x).toFixed(2)}%`);

/**
 * Runs an experiment's unfinished trials on a queue: enqueues them as one flow (or finds the flow
 * an earlier run of the command enqueued, from queue.json), then, unless detached, collects the
 * results as the workers finish them, logging each trial's progress, until the flow's parent has
 * merged them all. Redis unreachable for PRODUCER_GRACE_SECONDS ends the wait with
 * QUEUE_CONNECTION_LOST; the trials go on, and a later command collects them. Returns the failed trials.
 */
export async function runQueuedExperiment(exp: ExperimentDir, manifest: Manifest, options: QueuedRunOptions): Promise<{ failed: string[]; waiting: number }> {
  const session = await openQueueSession(options.url, options.store);
  try {
    if (unfinished(exp, manifest).length === 0) return { failed: [], waiting: 0 };
    const recorded = readQueueRecord(exp.dir);
    let queue = recorded && (await recoverQueue(session, exp, manifest, recorded, options));
    const todo = unfinished(exp, manifest);
    if (!queue) {
      queue = await enqueueExperiment(session.redis, todo, { url: options.url, store: options.store ?? null, version: options.version, retries: options.retries });
      writeQueueRecord(exp.dir, queue);
      options.log(`enqueued ${todo.length} trials on ${redactUrl(options.url)} as ${queue.experiment}; train them with: trickster worker --queue ${redactUrl(options.url)}${options.store ? ` --store ${options.store}` : ''}`);
    }
    if (options.detach) {
      options.log(`detached: see progress and collect results with trickster experiment status ${exp.dir} (or table)`);
      return { failed: [], waiting: todo.length };
    }
    return await waitForResults(session, exp, manifest, queue, options);
  } finally {
    session.close();
  }
}

async function waitForResults(session: QueueSession, exp: ExperimentDir, manifest: Manifest, queue: QueueRecord, options: QueuedRunOptions): Promise<{ failed: string[]; waiting: number }> {
  let lastContact = Date.now();
  const shown = new Map<string, string>();
  for (;;) {
    if (options.signal?.aborted) {
      const left = manifest.trials.filter((t) => !readTrialRecord(exp.resultFile(t.id))).length;
      return { failed: [], waiting: left };
    }
    let collection: Collection;
    try {
      collection = await collectOnce(session, exp, manifest, queue);
      lastContact = Date.now();
    } catch (err) {
      if (Date.now() - lastContact > PRODUCER_GRACE_SECONDS * 1000) {
        throw new TricksterError(
          'QUEUE_CONNECTION_LOST',
          `lost Redis at ${redactUrl(queue.url)} for over ${PRODUCER_GRACE_SECONDS} s (${(err as Error).message}); the workers keep their trials' state: once Redis is back, collect the results with trickster experiment status ${exp.dir} or run the same command again`,
        );
      }
      await sleep(1000);
      continue;
    }
    const lost = [...collection.queued].filter(([id, q]) => q.state === 'lost' && !readTrialRecord(exp.resultFile(id))).map(([id]) => id);
    if (lost.length > 0) throw jobLostError(queue, lost);
    for (const r of collection.collected) {
      options.log(r.status === 'done' ? `  ${r.id}: done, test${pct(r.summary.top1)} (${r.attempts} attempt(s))` : `  ${r.id}: failed after ${r.attempts} attempt(s): ${r.error}`);
    }
    for (const [id, q] of collection.queued) {
      const line = q.state === 'running' && q.progress ? `epoch ${q.progress.epoch}/${q.progress.epochs}${pct(q.progress.top1)} on ${q.progress.worker}` : q.state;
      if (shown.get(id) !== line) options.log(`  ${id}: ${line}`);
      shown.set(id, line);
    }
    const records = manifest.trials.map((t) => readTrialRecord(exp.resultFile(t.id)));
    if (collection.merged && records.every((r) => r !== null)) {
      await removeExperimentJobs(session.redis, queue).catch(() => {});
      return { failed: records.filter((r) => r!.status === 'failed').map((r) => r!.id), waiting: 0 };
    }
    await sleep(1000);
  }
}
