import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { durationSeconds } from '../config/duration.js';
import { TricksterError } from '../errors.js';
import { livePid } from './experiment-lock.js';
import type { ExperimentDir, Manifest } from './manifest.js';
import { BudgetEtaClock, EtaClock } from './eta.js';
import { plannedEpochs, readRunProgress } from './run-progress.js';
import { readTrialRecord, writeTrialRecord, type TrialRecord } from './trial-record.js';
import { runTrialAttempt } from './trial-runner.js';
import type { Trial } from './trials.js';

/** How the local pool runs an experiment's trials. */
export interface PoolOptions {
  /** Trials trained at once, each a child process. */
  readonly parallel: number;
  /** Extra attempts a failing trial gets in this run (each resumes from its last checkpoint). */
  readonly retries: number;
  /** Path of bin/trickster.js. */
  readonly bin: string;
  /** Where progress lines go. */
  readonly log: (line: string) => void;
  /** Aborting stops starting trials and kills the running ones; their checkpoints stay for a re-run. */
  readonly signal?: AbortSignal;
}

/** What a pool run did: trials found done, finished now, failed after all attempts, and those an abort left unfinished or unstarted. */
export interface PoolResult {
  readonly skipped: number;
  readonly finished: number;
  readonly failed: readonly string[];
  readonly interrupted: readonly string[];
}

/**
 * Refuses to start when a trial's training process from an earlier run is still alive (its
 * experiment process was killed without stopping it): two processes would write one run directory.
 */
function assertNoLiveTrial(exp: ExperimentDir, trials: readonly Trial[]): void {
  for (const t of trials) {
    const pid = livePid(exp.pidFile(t.id));
    if (pid !== null) {
      throw new TricksterError('EXPERIMENT_BUSY', `trial ${t.id} is still being trained by process ${pid}, left by an experiment that was killed; stop that process and run the command again (if ${pid} is not a trickster train, delete ${exp.pidFile(t.id)})`);
    }
  }
}

const pct = (x: number | null) => (x === null ? '' : ` top-1 ${(100 * x).toFixed(2)}%`);

/**
 * Trains every trial of `manifest` that has no `done` record, `parallel` at a time: a trial with a
 * checkpoint resumes from it, a failing one is tried again up to `retries` times and then recorded
 * as failed (with its error line) for the table and `experiment status`; none is dropped.
 */
export async function runPool(exp: ExperimentDir, manifest: Manifest, options: PoolOptions): Promise<PoolResult> {
  const todo = manifest.trials.filter((t) => readTrialRecord(exp.resultFile(t.id))?.status !== 'done');
  assertNoLiveTrial(exp, todo);
  const skipped = manifest.trials.length - todo.length;
  const startEpochs = new Map(todo.map((t) => [t.id, readRunProgress(exp.runDir(t.id)).epochs]));
  const epochEta = new EtaClock(todo.reduce((s, t) => s + t.config.training.epochs - startEpochs.get(t.id)!, 0));
  // Time-budget trials plan their epochs when they start: their ETA counts seconds of budget instead.
  const budgets = todo.map((t) => [t.id, t.config.training.timeBudget === undefined ? null : durationSeconds(t.config.training.timeBudget)] as const);
  const budgetEta = todo.length > 0 && budgets.every(([, b]) => b !== null) ? new BudgetEtaClock(new Map(budgets as [string, number][]), options.parallel) : null;
  const eta = { add: (n: number) => epochEta.add(n), text: () => (budgetEta ? budgetEta.text() : epochEta.text()) };
  const resuming = todo.filter((t) => startEpochs.get(t.id)! > 0).length;
  options.log(`${manifest.trials.length} trials: ${skipped} done, ${resuming} to resume, ${todo.length - resuming} to start; ${options.parallel} at a time`);
  const failed: string[] = [];
  const interrupted: string[] = [];
  let finished = 0;
  const queue = [...todo];
  const progressLine = (trial: Trial, epochs: number, top1: number | null) =>
    `  ${trial.id}: epoch ${epochs}/${plannedEpochs(exp.runDir(trial.id), trial.config)}${pct(top1)} | ${skipped + finished}/${manifest.trials.length} done, ETA ${eta.text()}`;

  async function attempt(trial: Trial): Promise<void> {
    const previous = readTrialRecord(exp.resultFile(trial.id));
    let attempts = previous?.attempts ?? 0;
    let wallSeconds = previous?.wallSeconds ?? 0;
    let seen = startEpochs.get(trial.id)!;
    for (let tries = 0; tries <= options.retries; tries++) {
      attempts++;
      options.log(`  ${trial.id}: ${seen > 0 ? `resuming after epoch ${seen}` : 'starting'}${attempts > 1 ? ` (attempt ${attempts})` : ''}`);
      const outcome = await runTrialAttempt({
        bin: options.bin,
        configFile: exp.configFile(trial.id),
        runDir: exp.runDir(trial.id),
        run: trial.run,
        signal: options.signal,
        onStart: (pid) => {
          mkdirSync(path.dirname(exp.pidFile(trial.id)), { recursive: true });
          writeFileSync(exp.pidFile(trial.id), `${pid}\n`);
        },
        onProgress: ({ epochs, top1 }) => {
          if (epochs > seen) eta.add(epochs - seen);
          seen = Math.max(seen, epochs);
          if (epochs > 0) options.log(progressLine(trial, epochs, top1));
        },
      });
      rmSync(exp.pidFile(trial.id), { force: true });
      wallSeconds += outcome.wallSeconds;
      if (outcome.ok) {
        eta.add(Math.max(outcome.summary.epochs - seen, 0));
        budgetEta?.end(trial.id);
        writeTrialRecord(exp.resultFile(trial.id), { id: trial.id, status: 'done', attempts, wallSeconds, summary: outcome.summary });
        finished++;
        options.log(`  ${trial.id}: done, test${pct(outcome.summary.top1)} in ${wallSeconds.toFixed(0)} s | ${skipped + finished}/${manifest.trials.length} done, ETA ${eta.text()}`);
        return;
      }
      if (outcome.aborted) {
        interrupted.push(trial.id);
        return;
      }
      options.log(`  ${trial.id}: failed (attempt ${attempts}): ${outcome.error}`);
      const record: TrialRecord = { id: trial.id, status: 'failed', attempts, wallSeconds, error: outcome.error };
      if (tries === options.retries) {
        writeTrialRecord(exp.resultFile(trial.id), record);
        failed.push(trial.id);
      }
    }
  }

  async function worker(): Promise<void> {
    for (let trial = queue.shift(); trial && !options.signal?.aborted; trial = queue.shift()) {
      budgetEta?.start(trial.id);
      try {
        await attempt(trial);
      } finally {
        budgetEta?.end(trial.id);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, todo.length)) }, worker));
  interrupted.push(...queue.map((t) => t.id));
  return { skipped, finished, failed, interrupted };
}
