import { lockHolder } from './experiment-lock.js';
import type { ExperimentDir, Manifest } from './manifest.js';
import { hasCheckpoint, plannedEpochs, readRunProgress } from './run-progress.js';
import type { QueuedTrial } from './queue/collect.js';
import { readTrialRecord } from './trial-record.js';

/** Where one trial stands. */
export interface TrialStatus {
  readonly id: string;
  readonly variants: readonly string[];
  readonly seed: number;
  readonly state: 'done' | 'running' | 'interrupted' | 'failed' | 'pending' | 'lost';
  /** Epochs its run directory has logged, and the epochs it trains. */
  readonly epoch: number;
  readonly epochs: number;
  /** done: the test top-1; running on a queue: the last top-1 its worker reported, if any; failed: its error line. */
  readonly top1?: number;
  /** Running on a queue: the worker training it (host:pid). */
  readonly worker?: string;
  readonly error?: string;
}

/**
 * Each trial's state from the experiment folder alone: done (a result), failed (its error line),
 * running or interrupted at an epoch (a run directory without a result: running while a live
 * process holds the folder's lock), or pending. `queued`: the queue states of an experiment on a
 * queue (refreshFromQueue), which say running (with the worker's epoch and top-1), pending, or lost
 * (Redis no longer holds its job).
 */
export function experimentStatus(exp: ExperimentDir, manifest: Manifest, queued: ReadonlyMap<string, QueuedTrial> = new Map()): TrialStatus[] {
  const live = lockHolder(exp.dir) !== null;
  return manifest.trials.map((t) => {
    const record = readTrialRecord(exp.resultFile(t.id));
    const progress = readRunProgress(exp.runDir(t.id));
    const base = { id: t.id, variants: manifest.variants.filter((v) => v.trials.includes(t.id)).map((v) => v.name), seed: t.seed, epoch: progress.epochs, epochs: plannedEpochs(exp.runDir(t.id), t.config) };
    if (record?.status === 'done') return { ...base, state: 'done', top1: record.summary.top1 };
    const onQueue = queued.get(t.id);
    if (onQueue?.state === 'running') {
      const p = onQueue.progress;
      return { ...base, state: 'running', epoch: p?.epoch ?? 0, ...(p?.top1 != null ? { top1: p.top1 } : {}), ...(p ? { worker: p.worker } : {}) };
    }
    if (onQueue?.state === 'pending') {
      // A job back on the queue after its worker died keeps its progress: it resumes from there.
      const p = onQueue.progress;
      return { ...base, state: 'pending', epoch: p?.epoch ?? 0, ...(p ? { worker: p.worker } : {}) };
    }
    // No worker will train it: the command that enqueued it re-enqueues it when run again.
    if (onQueue?.state === 'lost') return { ...base, state: 'lost' };
    if (record?.status === 'failed' && !live) return { ...base, state: 'failed', error: record.error };
    if (hasCheckpoint(exp.runDir(t.id)) || progress.epochs > 0) return { ...base, state: live ? 'running' : 'interrupted' };
    return { ...base, state: 'pending' };
  });
}

/** One line per trial, e.g. `no-ema-s2-1a2b3c4d5e  -ema  seed 2  interrupted at epoch 3/10`. */
export function statusLines(statuses: readonly TrialStatus[]): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const lines = statuses.map((s) => {
    const what =
      s.state === 'done'
        ? `done, test top-1 ${(100 * s.top1!).toFixed(2)}%`
        : s.state === 'failed'
          ? `failed at epoch ${s.epoch}/${s.epochs}: ${s.error}`
          : s.state === 'lost'
            ? "lost: its job is no longer in Redis; run the experiment's command again to enqueue it again"
            : s.state === 'pending'
              ? s.worker && s.epoch > 0
                ? `pending, resumes after epoch ${s.epoch}/${s.epochs} (last trained on ${s.worker})`
                : 'pending'
              : `${s.state} at epoch ${s.epoch}/${s.epochs}${s.top1 !== undefined ? ` top-1 ${(100 * s.top1).toFixed(2)}%` : ''}${s.worker ? ` on ${s.worker}` : ''}`;
    return `${s.id}  ${s.variants.join(', ')}  seed ${s.seed}  ${what}`;
  });
  return [...lines, [...counts].map(([state, n]) => `${n} ${state}`).join(', ')];
}
