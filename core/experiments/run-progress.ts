import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TricksterConfig } from '../config/schema.js';

/** How far a run directory has got, from its metrics.jsonl: epochs logged and the last top-1 it knows (validation, else per-epoch test). */
export interface RunProgress {
  readonly epochs: number;
  readonly top1: number | null;
}

/** Reads a run directory's progress; no metrics.jsonl yet is epoch 0. A line being written is skipped. */
export function readRunProgress(runDir: string): RunProgress {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return { epochs: 0, top1: null };
  let epochs = 0;
  let top1: number | null = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let record: { epoch?: number; valTop1?: number; testTop1?: number };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue;
    }
    if (typeof record.epoch !== 'number') continue;
    epochs = Math.max(epochs, record.epoch);
    top1 = record.valTop1 ?? record.testTop1 ?? top1;
  }
  return { epochs, top1 };
}

/** Whether a run directory holds a checkpoint to resume from. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(path.join(runDir, 'checkpoint.ckpt'));
}

/**
 * The epochs a trial's run trains: its run directory's config.json once the run has started (a
 * time budget's planned epochs), else the trial config's training.epochs.
 */
export function plannedEpochs(runDir: string, config: TricksterConfig): number {
  const file = path.join(runDir, 'config.json');
  if (!existsSync(file)) return config.training.epochs;
  try {
    const epochs = (JSON.parse(readFileSync(file, 'utf8')) as { training?: { epochs?: unknown } }).training?.epochs;
    return typeof epochs === 'number' ? epochs : config.training.epochs;
  } catch {
    return config.training.epochs;
  }
}
