import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../core/experiments/manifest.js';
import type { Manifest } from '../../core/experiments/manifest.js';
import type { TrialRecord } from '../../core/experiments/trial-record.js';
import { REPO_ROOT } from './claims.js';
import type { EvalAtSizes } from './eval-sizes.js';

/** Committed summaries of the experiments: bench/results/evidence/<experiment id>/. */
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench/results/evidence');

const trialSchema = z
  .object({
    variant: z.string(),
    seed: z.number().int().min(1),
    trial: z.string(),
    status: z.enum(['done', 'failed', 'missing']),
    /** The run summary's test metrics and plugin reports (fractions); null unless done. */
    metrics: z.record(z.string(), z.unknown()).nullable(),
    wallSeconds: z.number().nullable(),
    error: z.string().optional(),
  })
  .strict();
/** One variant at one seed, as trials.json records it. */
export type TrialSummary = z.infer<typeof trialSchema>;

const experimentSummarySchema = z
  .object({
    id: z.string(),
    args: z.array(z.string()),
    command: z.string(),
    finished: z.string(),
    commit: z.string(),
    /** Wall seconds of the run.ts invocation that finished it (an experiment continued after a kill took longer in all). */
    runSeconds: z.number(),
    /** Sum over the trials of their wall seconds, every attempt (trials ran `parallel` at a time). */
    trialSeconds: z.number(),
    machine: z.object({ cpu: z.string(), cores: z.number(), loadAverageAtStart: z.number() }).strict(),
    trials: z.number().int(),
    failed: z.number().int(),
    /** Test input sizes every done trial's model was evaluated at after training (metrics evalAt.N), when the experiment asks for them. */
    evalSizes: z.array(z.number().int()).optional(),
    /** configFingerprint of the experiment's config as resolved when it ran: an edited config or preset makes the summary stale. */
    configFingerprint: z.string().optional(),
  })
  .strict();
/** experiment.json: what was run, when, where and how long it took. Written last: its presence marks a finished summary. */
export type ExperimentSummary = z.infer<typeof experimentSummarySchema>;

/** An experiment's committed summary as the README generator reads it. */
export interface StoredSummary {
  readonly experiment: ExperimentSummary;
  readonly trials: readonly TrialSummary[];
}

/** Per variant and seed, the trial's status and metrics, with its model's metrics at other test sizes under `evalAt` when given (variants sharing a trial each get a row). */
export function trialSummaries(manifest: Manifest, records: ReadonlyMap<string, TrialRecord>, evalAt?: EvalAtSizes): TrialSummary[] {
  return manifest.variants.flatMap((v) =>
    v.trials.map((id, i) => {
      const r = records.get(id);
      const seed = manifest.seeds[i]!;
      if (!r) return { variant: v.name, seed, trial: id, status: 'missing' as const, metrics: null, wallSeconds: null };
      if (r.status === 'failed') return { variant: v.name, seed, trial: id, status: 'failed' as const, metrics: null, wallSeconds: r.wallSeconds, error: r.error };
      const { top1, top5, testLoss, inputSize, plugins } = r.summary;
      const atSizes = evalAt?.get(id);
      const metrics = { top1, top5, testLoss, inputSize, plugins, ...(atSizes ? { evalAt: atSizes } : {}) };
      return { variant: v.name, seed, trial: id, status: 'done' as const, metrics, wallSeconds: r.wallSeconds };
    }),
  );
}

/** Where each summary file of an experiment goes. */
export function summaryFiles(resultsDir: string, id: string) {
  const dir = path.join(resultsDir, id);
  return {
    dir,
    experiment: path.join(dir, 'experiment.json'),
    trials: path.join(dir, 'trials.json'),
    configs: path.join(dir, 'configs.json'),
    tableJson: path.join(dir, 'table.json'),
    tableMd: path.join(dir, 'table.md'),
  };
}

/** What writeSummary stores. */
export interface SummaryContent {
  readonly experiment: ExperimentSummary;
  readonly trials: readonly TrialSummary[];
  /** Each variant's resolved config (its seed-1 trial's). */
  readonly configs: Record<string, unknown>;
  readonly tableJson: string;
  readonly tableMd: string;
}

/** Writes a summary, each file atomically, experiment.json last (a summary without it is unfinished and is rewritten). */
export function writeSummary(resultsDir: string, content: SummaryContent): void {
  const f = summaryFiles(resultsDir, content.experiment.id);
  writeJsonAtomic(f.trials, content.trials);
  writeJsonAtomic(f.configs, content.configs);
  writeTextAtomic(f.tableJson, `${content.tableJson}\n`);
  writeTextAtomic(f.tableMd, `${content.tableMd}\n`);
  writeJsonAtomic(f.experiment, content.experiment);
}

function writeTextAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function readJson<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); re-run its experiment with bench/evidence/run.ts or restore the file from git`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: malformed summary (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}); re-run its experiment with bench/evidence/run.ts or restore the file from git`);
  }
  return parsed.data;
}

/** The finished summary of experiment `id`, or null when there is none (no experiment.json); a malformed file throws, naming it. */
export function readSummary(resultsDir: string, id: string): StoredSummary | null {
  const f = summaryFiles(resultsDir, id);
  if (!existsSync(f.experiment)) return null;
  const experiment = readJson(f.experiment, experimentSummarySchema);
  if (experiment.id !== id) throw new Error(`${f.experiment}: id "${experiment.id}" is not its folder's ("${id}")`);
  return { experiment, trials: readJson(f.trials, z.array(trialSchema)) };
}
