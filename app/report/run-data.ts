import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CheckpointError, TricksterError } from '../../core/errors.js';
import type { RunRecord } from '../../core/run-dir.js';
import type { MetricsRecord } from '../../core/run-logs.js';
import type { StepRecord as LoggedStep } from '../../core/step-log.js';
import type { RunSummary } from '../../core/run-summary.js';

/** One line of metrics.jsonl, as core/run-logs.ts writes it (val*, test* only when the run had them). */
export type EpochRecord = Readonly<MetricsRecord>;

/** One line of steps.jsonl, as core/step-log.ts writes it. */
export type StepRecord = Readonly<LoggedStep>;

/** What a run directory records about itself, read once for a report. */
export interface RunData {
  readonly dir: string;
  /** The folder's own name, to label the run. */
  readonly name: string;
  /** The resolved config the run trained with (config.json). */
  readonly config: Record<string, unknown>;
  /** run.json; null for runs made before it existed. */
  readonly record: RunRecord | null;
  /** summary.json; null while the run has not finished. */
  readonly summary: RunSummary | null;
  /** Per epoch, in epoch order (the last line of an epoch wins, as after a resume). */
  readonly epochs: readonly EpochRecord[];
  /** Per step, in step order; null when the run wrote no steps.jsonl (runs made before it existed). */
  readonly steps: readonly StepRecord[] | null;
  /** RUN_DIR/model/model.json, or null when the run exported no model. */
  readonly modelFile: string | null;
}

/** Whether `dir` holds a trickster run (its config.json). */
export function isRunDir(dir: string): boolean {
  return existsSync(path.join(dir, 'config.json'));
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CheckpointError(`${file} is not valid JSON (${(err as Error).message}); the run directory is damaged, start a new run`);
  }
}

/** The records of a JSON-lines file, or null when it does not exist; a bad line is named by its number. */
function readJsonLines(file: string): Record<string, unknown>[] | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch (err) {
      throw new CheckpointError(`${file} line ${i + 1} is not valid JSON (${(err as Error).message}); the run directory is damaged, start a new run`);
    }
  });
}

/** The records sorted by `key`, keeping the last one of each value (a resumed run repeats what it redid). */
function lastPerKey<T>(records: readonly Record<string, unknown>[], key: string): T[] {
  const byKey = new Map<number, Record<string, unknown>>();
  for (const r of records) if (typeof r[key] === 'number') byKey.set(r[key], r);
  return [...byKey.entries()].sort(([a], [b]) => a - b).map(([, r]) => r as T);
}

/** Reads the run directory `dir` (config.json, run.json, summary.json, metrics.jsonl, steps.jsonl, model/). */
export function readRunData(dir: string): RunData {
  if (!isRunDir(dir)) {
    throw new TricksterError('RUN_NOT_FOUND', `${dir} is not a trickster run directory (no config.json); pass the --out folder of a trickster train run`);
  }
  const at = (file: string) => path.join(dir, file);
  const modelFile = at('model/model.json');
  return {
    dir,
    name: path.basename(path.resolve(dir)),
    config: readJson(at('config.json')) as Record<string, unknown>,
    record: existsSync(at('run.json')) ? (readJson(at('run.json')) as RunRecord) : null,
    summary: existsSync(at('summary.json')) ? (readJson(at('summary.json')) as RunSummary) : null,
    epochs: lastPerKey<EpochRecord>(readJsonLines(at('metrics.jsonl')) ?? [], 'epoch'),
    steps: (() => {
      const lines = readJsonLines(at('steps.jsonl'));
      return lines === null ? null : lastPerKey<StepRecord>(lines, 'step');
    })(),
    modelFile: existsSync(modelFile) ? modelFile : null,
  };
}
