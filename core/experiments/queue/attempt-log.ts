import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One line of a run directory's attempts.jsonl: who trained the trial from where. */
export interface AttemptEntry {
  /** 1 for the first attempt at the trial, on any worker. */
  readonly attempt: number;
  /** host:pid of the worker. */
  readonly worker: string;
  /** Epochs the run directory held when the attempt started: 0 for a fresh start, k for a resume after epoch k. */
  readonly resumedAfterEpoch: number;
  readonly started: string;
}

/**
 * attempts.jsonl of a queued trial's run directory: a line per attempt, appended by the worker as
 * the attempt starts. It travels with the directory, so the finished run shows which workers
 * trained it and that a taken-over trial resumed (resumedAfterEpoch > 0) instead of starting over.
 */
export function attemptsFile(runDir: string): string {
  return path.join(runDir, 'attempts.jsonl');
}

/** The attempts recorded in a run directory (none when it has no attempts.jsonl). */
export function readAttempts(runDir: string): AttemptEntry[] {
  const file = attemptsFile(runDir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AttemptEntry);
}

/** Appends the entry of an attempt that starts now and returns it. */
export function recordAttempt(runDir: string, worker: string, resumedAfterEpoch: number): AttemptEntry {
  const entry: AttemptEntry = { attempt: readAttempts(runDir).length + 1, worker, resumedAfterEpoch, started: new Date().toISOString() };
  mkdirSync(runDir, { recursive: true });
  appendFileSync(attemptsFile(runDir), `${JSON.stringify(entry)}\n`);
  return entry;
}
