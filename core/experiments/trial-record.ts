import { existsSync, readFileSync } from 'node:fs';
import type { RunSummary } from '../run-summary.js';
import { writeJsonAtomic } from './manifest.js';

/** The outcome of a trial, recorded in results/<id>.json once it has one. */
export type TrialRecord =
  | { readonly id: string; readonly status: 'done'; readonly attempts: number; readonly wallSeconds: number; readonly summary: RunSummary }
  | { readonly id: string; readonly status: 'failed'; readonly attempts: number; readonly wallSeconds: number; readonly error: string };

/** The record at `file`, or null when the trial has none yet (or it cannot be read: it is then run again). */
export function readTrialRecord(file: string): TrialRecord | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TrialRecord;
  } catch {
    return null;
  }
}

/** Records a trial's outcome atomically. */
export function writeTrialRecord(file: string, record: TrialRecord): void {
  writeJsonAtomic(file, record);
}
