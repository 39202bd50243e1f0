import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TricksterError } from '../errors.js';
import { readJsonl } from '../table-log.js';
import type { DiagnosisConfig, DivergenceRecord, EpochPoint, RunCurves, StepPoint } from './types.js';

/** A run directory's curves as `trickster doctor` reads them, and which log files it found. */
export interface RunLogsRead {
  readonly curves: RunCurves;
  readonly files: readonly string[];
}

const missing = (message: string) => new TricksterError('RUN_LOGS_MISSING', message);

/** A JSON file of the run (config.json, divergence.json); unreadable JSON is RUN_LOGS_MISSING naming it. */
function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw missing(`${file} is not valid JSON (${(err as Error).message}); the run directory is damaged, run trickster doctor on another run`);
  }
}

/** A loss written as null (JSON has no NaN) is NaN again. */
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/**
 * Reads config.json, metrics.jsonl, steps.jsonl and divergence.json of a run directory for the
 * diagnoses (taken as finished: the curves as they are). A folder that does not exist, has no
 * config.json, or has neither a metrics nor a steps line nor a divergence record is
 * RUN_LOGS_MISSING.
 */
export function readRunCurves(dir: string): RunLogsRead {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw missing(`${dir}: no such folder; pass the --out folder of a trickster train run`);
  const configFile = path.join(dir, 'config.json');
  if (!existsSync(configFile)) throw missing(`${dir} is not a trickster run directory (no config.json); pass the --out folder of a trickster train run`);
  const config = readJson<DiagnosisConfig>(configFile);
  const files = ['config.json'];
  const read = <T>(name: string): T[] => {
    if (existsSync(path.join(dir, name))) files.push(name);
    return readJsonl<T>(path.join(dir, name));
  };
  const steps: StepPoint[] = read<Record<string, unknown>>('steps.jsonl').map((r) => ({ epoch: num(r.epoch), step: num(r.step), loss: num(r.loss), lr: num(r.lr) }));
  const epochs: EpochPoint[] = read<Record<string, unknown>>('metrics.jsonl').map((r) => ({
    ...{ epoch: num(r.epoch), step: num(r.step), lr: num(r.lr), trainLoss: num(r.trainLoss) },
    ...(r.valLoss !== undefined ? { valLoss: num(r.valLoss), valTop1: num(r.valTop1) } : {}),
  }));
  const record = existsSync(path.join(dir, 'run.json')) ? readJson<{ initialLoss?: number | null }>(path.join(dir, 'run.json')) : null;
  if (record) files.push('run.json');
  const divergenceFile = path.join(dir, 'divergence.json');
  const divergence = existsSync(divergenceFile) ? readJson<DivergenceRecord>(divergenceFile) : null;
  if (divergence) files.push('divergence.json');
  if (steps.length === 0 && epochs.length === 0 && !divergence) {
    throw missing(`${dir} holds no training logs (no line in metrics.jsonl or steps.jsonl, no divergence.json); train at least one epoch, or pass another run directory`);
  }
  return { curves: { steps, epochs, config, divergence, finished: true, initialLoss: record?.initialLoss ?? null }, files };
}
