import { hostname } from 'node:os';
import path from 'node:path';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { TricksterError } from '../../errors.js';
import { ExperimentDir } from '../manifest.js';
import { queueConnection, redactUrl } from './connection.js';
import type { TrialJobData } from './job-data.js';
import { mergeTrialResults } from './merge.js';
import { openRunStore } from './run-store.js';
import { DEFAULT_LOCK_SECONDS, MAX_STALLED, MERGE_QUEUE, QUEUE_PREFIX, TRIAL_QUEUE } from './settings.js';
import { TrialInterrupted, trainTrialJob } from './trial-job.js';
import { reconnectDelay, trackReadiness } from './worker-readiness.js';

/** Milliseconds a stopping worker waits for its running trials to be handed back to the queue. */
const CLOSE_GRACE_MS = 15_000;
/** Milliseconds a stopping worker waits for its BullMQ connections to be ready again (Redis answers, but they are still reconnecting). */
const RECONNECT_WAIT_MS = 5_000;
/** Milliseconds a stopping worker gives the experiments its last trials completed to be merged. */
const MERGE_WAIT_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** How `trickster worker` runs. */
export interface WorkerOptions {
  readonly url: string;
  /** Trials trained at once (each a child process). */
  readonly concurrency: number;
  /** `--store` folder, or undefined to keep run directories in Redis. */
  readonly store?: string;
  /** Folder of this worker's local copies of the trials it trains. */
  readonly workDir: string;
  readonly lockSeconds?: number;
  /** This trickster's version: jobs enqueued by another are refused. */
  readonly version: string;
  readonly bin: string;
  readonly log: (line: string) => void;
  /** Aborting stops the worker: running trials are stopped and go back to the queue (their checkpoints are stored). */
  readonly signal: AbortSignal;
}

/** QUEUE_VERSION_MISMATCH for a job enqueued by another trickster version. */
export function versionMismatch(job: Job<TrialJobData>, version: string): TricksterError {
  return new TricksterError(
    'QUEUE_VERSION_MISMATCH',
    `trial ${job.data.trial?.id ?? job.id} was enqueued by trickster ${job.data.version ?? '(unknown)'}, this worker runs trickster ${version}; results of two versions are not comparable, so the job was left on the queue: run this worker with trickster ${job.data.version ?? 'of the enqueuing machine'}`,
  );
}

/** QUEUE_STORE_MISMATCH for a job whose experiment keeps its run directories elsewhere than this worker (`own`: its --store folder, or null for Redis). */
export function storeMismatch(job: Job<TrialJobData>, own: string | null): TricksterError {
  const expected = job.data.store ?? null;
  const where = (store: string | null) => (store ? `${store} (${store === expected ? "the experiment's " : ''}--store)` : "the queue's Redis");
  return new TricksterError(
    'QUEUE_STORE_MISMATCH',
    `trial ${job.data.trial.id} of ${job.data.experiment} expects its run directories in ${where(expected)}, this worker keeps them in ${where(own)}; the trial failed: start this experiment's workers with ${expected ? `--store ${expected}` : 'no --store'}, then run its command again to enqueue the trial again`,
  );
}

/** Resolves once no experiment waits to be merged (or is being merged), or after `ms`. */
async function mergesDone(parents: Queue, ms: number): Promise<void> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
    const counts = await parents.getJobCounts('wait', 'active', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
  }
}

/** Whether Redis answers and no longer holds `job` (restarted empty, the job removed or evicted); false when Redis cannot be asked. */
async function jobGone(redis: Redis, job: Job): Promise<boolean> {
  try {
    return (await redis.exists(`${job.queueQualifiedName}:${job.id}`)) === 0;
  } catch {
    return false;
  }
}

/**
 * Runs a worker until `signal` aborts (resolves) or it meets a job of another trickster version
 * (rejects with QUEUE_VERSION_MISMATCH after putting the job back for another worker) or of an
 * experiment with another --store (rejects with QUEUE_STORE_MISMATCH after failing the job). Trials are
 * trained by child processes (trainTrialJob), so the worker's event loop stays free to renew the
 * job locks however long a training step is; the flows' parent jobs (merging an experiment's
 * results) are handled too. A lost Redis is reported once and reconnected to; the trial being
 * trained keeps going and its state stays local until Redis is back. A trial whose job is gone
 * from Redis when it ends is reported (QUEUE_JOB_LOST). Stopping takes no further trial, hands
 * the running ones back once BullMQ's connections are up (see worker-readiness.ts), and merges the
 * experiments their completion made ready.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const connection = { ...queueConnection(options.url), maxRetriesPerRequest: null };
  // BullMQ's clients, workers and queues alike, reconnect at ioredis's pace (see worker-readiness.ts).
  const bullConnection = { ...connection, retryStrategy: reconnectDelay };
  const monitor = new Redis({ ...connection, lazyConnect: true });
  // The store's client fails commands at once while Redis is away (trainTrialJob keeps the run
  // directory locally and tries again); BullMQ's own connections wait for Redis to come back.
  const redis = new Redis({ ...connection, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => {});
  const ownStore = options.store ? path.resolve(options.store) : null;
  const store = openRunStore(redis, options.store);
  const worker = `${hostname()}:${process.pid}`;
  const lockDuration = (options.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000;
  const shown = redactUrl(options.url);
  let refused: TricksterError | null = null;
  const stop = new AbortController();
  const stopTrials = new AbortController();
  const onAbort = () => {
    stopTrials.abort();
    stop.abort();
  };
  options.signal.addEventListener('abort', onAbort);

  let lost = false;
  let running = 0;
  monitor.on('error', (err: Error) => {
    if (lost) return;
    lost = true;
    options.log(`warning [QUEUE_CONNECTION_LOST]: lost Redis at ${shown} (${err.message}); running trials go on and keep their state in ${options.workDir}; reconnecting`);
  });
  monitor.on('ready', () => {
    if (lost) options.log(`reconnected to Redis at ${shown}`);
    lost = false;
  });
  await monitor.connect().catch(() => {});

  const processTrial = async (job: Job<TrialJobData>, token: string | undefined) => {
    if (job.data.version !== options.version) {
      refused ??= versionMismatch(job, options.version);
      await job.moveToDelayed(Date.now() + 1000, token);
      stop.abort();
      throw new DelayedError();
    }
    if ((job.data.store ?? null) !== ownStore) {
      // Training here would put the run directories where the experiment never looks: fail the job, stop the worker.
      const err = storeMismatch(job, ownStore);
      refused ??= err;
      stop.abort();
      throw new UnrecoverableError(`error [${err.code}]: ${err.message}`);
    }
    let outcome: { record: Awaited<ReturnType<typeof trainTrialJob>> } | { error: unknown };
    try {
      outcome = { record: await trainTrialJob(job, { store, workDir: options.workDir, bin: options.bin, worker, log: options.log, signal: stopTrials.signal }) };
    } catch (error) {
      outcome = { error };
    }
    if (await jobGone(redis, job)) {
      // Nothing to hand back to: DelayedError tells BullMQ the processor dealt with the job, so it touches it no more.
      const { experiment, trial } = job.data;
      const runDir = new ExperimentDir(path.join(options.workDir, experiment)).runDir(trial.id);
      // Without its parent the experiment is enqueued afresh under a new key (run-queued.ts): the pack stored under this one would never be read.
      const parentGone = !job.parentKey || (await redis.exists(job.parentKey).catch(() => 1)) === 0;
      if (parentGone) await store.delete(experiment, trial.id).catch(() => {});
      const next = parentGone ? "enqueues the experiment's unfinished trials afresh" : 'adds the trial back to its experiment, to resume from its stored run directory';
      options.log(
        `warning [QUEUE_JOB_LOST]: the job of trial ${trial.id} (${job.id}) is no longer in Redis at ${shown} (Redis restarted empty, or the job was removed or evicted), so its ${'record' in outcome ? 'result' : 'state'} cannot be handed back; its run directory stays in ${runDir}; running the experiment's command again ${next}`,
      );
      throw new DelayedError();
    }
    if ('record' in outcome) return outcome.record;
    if (!(outcome.error instanceof TrialInterrupted)) throw outcome.error;
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  };
  const trials = new Worker<TrialJobData>(
    TRIAL_QUEUE,
    async (job, token) => {
      running++;
      try {
        return await processTrial(job, token);
      } finally {
        running--;
      }
    },
    { connection: bullConnection, prefix: QUEUE_PREFIX, concurrency: options.concurrency, lockDuration, stalledInterval: lockDuration / 2, maxStalledCount: MAX_STALLED },
  );
  // Stopping takes no further trial: paused at once, before BullMQ fetches the next job as it finishes this one.
  stop.signal.addEventListener('abort', () => void trials.pause(true));
  // The merge looks its failed children up on the trials queue.
  const trialsQueue = new Queue(TRIAL_QUEUE, { connection: bullConnection, prefix: QUEUE_PREFIX });
  const parentsQueue = new Queue(MERGE_QUEUE, { connection: bullConnection, prefix: QUEUE_PREFIX });
  for (const q of [trialsQueue, parentsQueue]) q.on('error', () => {});
  const parents = new Worker<{ experiment: string }>(MERGE_QUEUE, (job) => mergeTrialResults(job, trialsQueue), { connection: bullConnection, prefix: QUEUE_PREFIX, lockDuration, stalledInterval: lockDuration / 2 });
  // Connection errors are reported by the monitor; BullMQ reconnects by itself.
  for (const w of [trials, parents]) w.on('error', () => {});
  const readiness = trackReadiness(monitor, [trials, parents], [trialsQueue, parentsQueue]);
  await monitor.ping().catch(() => {});
  options.log(`worker ${worker} on ${shown}: ${options.concurrency} trial(s) at a time, lock ${lockDuration / 1000} s, run directories in ${options.store ?? 'Redis'}, local copies in ${options.workDir}`);
  let handedBack = false;
  try {
    await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve())));
    // A refused job leaves the running trials alone: they finish before the worker exits. With
    // Redis away, their jobs cannot be finished: the worker leaves them (their locks expire and
    // another worker takes them over from the stored checkpoint). Nothing awaited then may wait
    // for Redis: a client still reconnecting never ends (see worker-readiness.ts).
    const reachable = !lost && (await readiness.waitReady(RECONNECT_WAIT_MS));
    // The trials first: a trial finishing now may complete its experiment, whose merge this worker then runs before it stops.
    const closing = reachable ? trials.close().then(() => mergesDone(parentsQueue, MERGE_WAIT_MS)).then(() => parents.close()) : Promise.all([trials.close(true), parents.close(true)]);
    handedBack = reachable && (await Promise.race([closing.then(() => true), sleep(CLOSE_GRACE_MS).then(() => false)]));
    void closing.catch(() => {});
    if (!handedBack && running > 0) {
      const why = reachable ? `did not take them back within ${CLOSE_GRACE_MS / 1000} s` : 'is away';
      options.log(`warning [QUEUE_CONNECTION_LOST]: Redis at ${shown} ${why}, so the running trials were not handed back; they go to another worker from their last stored epoch once their locks expire`);
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    for (const q of [trialsQueue, parentsQueue]) {
      if (handedBack) await q.close();
      else void q.close().catch(() => {});
    }
    redis.disconnect();
    monitor.disconnect();
  }
  if (refused) throw refused;
}
