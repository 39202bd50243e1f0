import { configSchema, type TricksterConfig } from './config/schema.js';
import { verifyCheckpoint } from './checkpoint.js';
import { TricksterError } from './errors.js';
import type { RunDir, RunRecord } from './run-dir.js';
import type { RunSummary } from './run-summary.js';

/**
 * Config keys a resumed run may change without changing its results: how long it runs (more
 * epochs continue the schedules with the new length), how evaluation is batched and how the run is logged, and
 * where batches are made. Replicas are compared as resolved counts, not as written.
 */
const FREE_KEYS = ['description', 'training.epochs', 'training.evalBatchSize', 'training.testEachEpoch', 'training.logEverySteps', 'training.replicas', 'data.worker', 'data.prefetch'];

/** One config value that differs between a run and its resume. */
export interface ConfigDifference {
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** Every leaf key (dotted path) whose value differs between two configs, free keys excluded. */
export function configDifferences(before: unknown, after: unknown): ConfigDifference[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => !FREE_KEYS.includes(k)).sort();
  return keys
    .filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)))
    .map((key) => ({ key, before: a.get(key), after: b.get(key) }));
}

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

/** The coded error for a resume whose settings would not continue the same run. */
export function resumeMismatch(runDir: string, differences: readonly ConfigDifference[]): TricksterError {
  const list = differences.map((d) => `${d.key} ${show(d.before)} -> ${show(d.after)}`).join('; ');
  return new TricksterError(
    'RESUME_MISMATCH',
    `--resume ${runDir} would not continue the same run: ${list}; resume with the run's own settings (only --epochs may change) or start a new run with another --out`,
  );
}

/**
 * Refuses a resume whose effective config differs from the run's config.json in a key that
 * changes results (model, data, limit, seed, batch size, optimizer, schedule, plugins and their
 * options), listing every difference. The run's config gets the current defaults of keys it predates
 * (a run written before `training.syncBatchNorm` existed resumes with it off, as it trained).
 */
export function checkResumeConfig(runDir: string, previous: unknown, next: TricksterConfig): void {
  const withDefaults = configSchema.safeParse(previous);
  const differences = configDifferences(withDefaults.success ? withDefaults.data : previous, next);
  if (differences.length > 0) throw resumeMismatch(runDir, differences);
}

/** Refuses a resume that asks for fewer epochs than the run has completed. */
export function checkResumeEpochs(runDir: string, next: TricksterConfig, completedEpochs: number): void {
  if (next.training.epochs >= completedEpochs) return;
  throw new TricksterError(
    'RESUME_MISMATCH',
    `--resume ${runDir}: training.epochs ${next.training.epochs} is fewer than the ${completedEpochs} epochs the run has completed; pass --epochs ${completedEpochs} or more`,
  );
}

/** A resume must split batches over as many replicas and read the same data folder as the run did. */
export function checkResumeRecord(runDir: string, before: RunRecord, now: RunRecord): void {
  const differences = (['replicas', 'dataDir'] as const)
    .filter((k) => before[k] !== now[k])
    .map((k) => ({ key: k === 'replicas' ? 'training.replicas (resolved)' : 'data (folder read)', before: before[k], after: now[k] }));
  if (differences.length > 0) throw resumeMismatch(runDir, differences);
}

/**
 * A resume of a run that has finished (its summary.json exists) and would train no further (it was
 * stopped, or `config` asks for as many epochs as it ran; fewer are refused) trains nothing: running afterTrain again
 * would apply SWA's swap, FixRes or a final precise-BN pass a second time. Returns the recorded
 * summary and the line that says so, or null when there is training left.
 */
export function finishedRun(runDir: RunDir, config: TricksterConfig): { summary: RunSummary; note: string } | null {
  const summary = runDir.readSummary();
  if (!summary) return null;
  checkResumeEpochs(runDir.dir, config, summary.epochs);
  // A damaged run directory is reported even when there is nothing left to train.
  verifyCheckpoint(runDir.checkpointFile);
  if (!summary.stopped && config.training.epochs > summary.epochs) return null;
  const how = summary.stopped ? `was stopped by ${summary.stopped.plugin} after epoch ${summary.epochs}` : `finished its ${summary.epochs} epochs`;
  return { summary, note: `${runDir.dir} ${how}; nothing to train, its recorded summary is returned (pass --epochs above ${summary.epochs} to train on)` };
}
