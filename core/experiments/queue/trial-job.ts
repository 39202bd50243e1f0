import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job } from 'bullmq';
import { livePid } from '../experiment-lock.js';
import { ExperimentDir, writeJsonAtomic } from '../manifest.js';
import { hasCheckpoint, plannedEpochs, readRunProgress } from '../run-progress.js';
import type { TrialRecord } from '../trial-record.js';
import { runTrialAttempt } from '../trial-runner.js';
import { readAttempts, recordAttempt } from './attempt-log.js';
import { packDir, packHeader, unpackDir } from './dir-pack.js';
import type { TrialJobData, TrialJobProgress } from './job-data.js';
import type { RunStore } from './run-store.js';

/** What a worker gives each trial it trains. */
export interface TrialWorkContext {
  readonly store: RunStore;
  /** The worker's own folder: <experiment>/configs, trials, running (as an experiment folder). */
  readonly workDir: string;
  /** Path of bin/trickster.js. */
  readonly bin: string;
  /** host:pid, recorded in attempts.jsonl and the job's progress. */
  readonly worker: string;
  readonly log: (line: string) => void;
  /** Aborted when the worker shuts down: the training child is stopped, its checkpoint stays stored. */
  readonly signal: AbortSignal;
}

/** Thrown when the worker shut down during the trial: the job goes back to the queue without using an attempt. */
export class TrialInterrupted extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops a training process an earlier run of this worker left on the trial (the worker was killed, its child was not). */
async function stopOrphan(pidFile: string): Promise<void> {
  const pid = livePid(pidFile);
  if (pid === null) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && livePid(pidFile) !== null; i++) await sleep(100);
}

/** Makes the local run directory the newest copy: the stored one replaces it when it has more epochs (another worker trained them). */
async function restoreRunDir(ctx: TrialWorkContext, experiment: string, trialId: string, runDir: string): Promise<void> {
  const pack = await ctx.store.get(experiment, trialId);
  if (!pack) return;
  const local = hasCheckpoint(runDir) ? readRunProgress(runDir).epochs : -1;
  if (packHeader(pack).header.epochs > local) unpackDir(pack, runDir);
}

/** Puts the run directory into the store, trying again every 2 s while Redis is away (the local copy is kept meanwhile) unless `once`. */
async function storeRunDir(ctx: TrialWorkContext, experiment: string, trialId: string, runDir: string, once: boolean): Promise<boolean> {
  for (let tries = 0; ; tries++) {
    try {
      await ctx.store.put(experiment, trialId, packDir(runDir, readRunProgress(runDir).epochs));
      if (tries > 0) ctx.log(`${trialId}: run directory stored`);
      return true;
    } catch (err) {
      if (tries === 0) ctx.log(`warning: could not store ${trialId}'s run directory (${(err as Error).message}); it stays in ${runDir}, ${once ? 'the next epoch tries again' : 'trying again every 2 s'}`);
      if (once || ctx.signal.aborted) return false;
      await sleep(2000);
    }
  }
}

/**
 * Watches the run directory's checkpoint (written atomically after each epoch's metrics line) and,
 * each time it changes, stores the directory and then reports the epoch and top-1 as the job's
 * progress, so a progress of epoch k means another worker can resume after epoch k. Returns the
 * function that stops watching once the uploads under way are done.
 */
function storeEachCheckpoint(job: Job<TrialJobData>, ctx: TrialWorkContext, runDir: string): () => Promise<void> {
  const { experiment, trial } = job.data;
  const file = path.join(runDir, 'checkpoint.ckpt');
  const mtime = () => (existsSync(file) ? statSync(file).mtimeMs : 0);
  let seen = mtime();
  let uploading: Promise<unknown> = Promise.resolve();
  const watch = setInterval(() => {
    if (mtime() === seen) return;
    seen = mtime();
    uploading = uploading.then(async () => {
      if (!(await storeRunDir(ctx, experiment, trial.id, runDir, true))) return;
      const { epochs, top1 } = readRunProgress(runDir);
      const planned = plannedEpochs(runDir, trial.config);
      const progress: TrialJobProgress = { epoch: epochs, epochs: planned, top1, worker: ctx.worker };
      await job.updateProgress(progress as unknown as object).catch((err: Error) => ctx.log(`warning: could not report ${trial.id}'s progress (${err.message})`));
      ctx.log(`${trial.id}: epoch ${epochs}/${planned} stored`);
    });
  }, 250);
  return async () => {
    clearInterval(watch);
    await uploading;
  };
}

/**
 * Trains one trial job: restores its run directory from the store when another worker got
 * further, runs `trickster train` in a child process (fresh, or --resume from the checkpoint),
 * stores the directory after every checkpoint and reports the epoch and top-1 as job progress,
 * then stores the finished directory and returns the trial's record (BullMQ keeps it as the job's
 * return value). A failing attempt throws its error line, for BullMQ to retry with backoff.
 */
export async function trainTrialJob(job: Job<TrialJobData>, ctx: TrialWorkContext): Promise<TrialRecord> {
  const { experiment, trial } = job.data;
  const local = new ExperimentDir(path.join(ctx.workDir, experiment));
  const runDir = local.runDir(trial.id);
  writeJsonAtomic(local.configFile(trial.id), trial.config);
  await stopOrphan(local.pidFile(trial.id));
  await restoreRunDir(ctx, experiment, trial.id, runDir);
  const startEpochs = hasCheckpoint(runDir) ? readRunProgress(runDir).epochs : 0;
  ctx.log(`${trial.id}: ${startEpochs > 0 ? `resuming after epoch ${startEpochs}` : 'starting'} (job attempt ${job.attemptsMade + 1})`);

  const stopWatching = storeEachCheckpoint(job, ctx, runDir);
  const outcome = await runTrialAttempt({
    bin: ctx.bin,
    configFile: local.configFile(trial.id),
    runDir,
    run: trial.run,
    signal: ctx.signal,
    onStart: (pid) => {
      recordAttempt(runDir, ctx.worker, startEpochs);
      mkdirSync(path.dirname(local.pidFile(trial.id)), { recursive: true });
      writeFileSync(local.pidFile(trial.id), `${pid}\n`);
    },
  });
  await stopWatching();
  rmSync(local.pidFile(trial.id), { force: true });
  if (!outcome.ok && outcome.aborted) throw new TrialInterrupted(`${trial.id} stopped by the worker's shutdown`);
  await storeRunDir(ctx, experiment, trial.id, runDir, false);
  if (!outcome.ok) {
    ctx.log(`${trial.id}: failed: ${outcome.error}`);
    throw new Error(outcome.error);
  }
  const attempts = readAttempts(runDir);
  const wallSeconds = attempts.length ? (Date.now() - Date.parse(attempts[0]!.started)) / 1000 : outcome.wallSeconds;
  ctx.log(`${trial.id}: done, test top-1 ${(100 * outcome.summary.top1).toFixed(2)}%`);
  return { id: trial.id, status: 'done', attempts: attempts.length, wallSeconds, summary: outcome.summary };
}
