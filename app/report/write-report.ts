import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TricksterError } from '../../core/errors.js';
import { experimentTable } from '../../core/experiments/table.js';
import { trialRecords } from '../cli/experiment-run.js';
import { renderComparisonReport } from './render-comparison.js';
import { renderRunReport, type EvaluationOutcome } from './render-run.js';
import { isRunDir, readRunData, type RunData } from './run-data.js';
import { reportSource } from './report-source.js';
import { evaluateRunTestSplit } from './test-evaluation.js';

/** How to build a report. */
export interface ReportOptions {
  /** Dataset folder for the test evaluation, when not where the run read it (run.json dataDir). */
  readonly dataDir?: string;
  /** Where to write it (default DIR/report.html). */
  readonly out?: string;
  /** How many highest-loss test images to show (default 24). */
  readonly hardest?: number;
}

/** What was written. */
export interface WrittenReport {
  readonly file: string;
  readonly kind: 'run' | 'experiment' | 'runs';
  /** Runs in the report. */
  readonly runs: number;
  /** Test images the run's model was evaluated on (a single run with an exported model), else null. */
  readonly testImages: number | null;
}

async function evaluationOf(run: RunData, options: ReportOptions): Promise<EvaluationOutcome> {
  if (!run.modelFile) {
    const why = run.summary ? 'the run exported no model (no model/model.json)' : 'the run has not finished, so it has exported no model yet';
    return { missing: `No confusion matrix or highest-loss images: ${why}.` };
  }
  return { evaluation: await evaluateRunTestSplit(run, { dataDir: options.dataDir, hardest: options.hardest }) };
}

/** Writes `text` to `file` through a temporary file renamed into place, so no reader sees half a report. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Builds the report of `dir` and writes it as one self-contained HTML file (default DIR/report.html):
 * for a run directory its curves, test-split evaluation, plugins and config; for an experiment
 * folder or a folder of runs the runs compared (curves overlaid, results table).
 */
export async function writeReport(dir: string, options: ReportOptions = {}): Promise<WrittenReport> {
  const source = reportSource(dir);
  const file = options.out ?? path.join(dir, 'report.html');
  if (!existsSync(path.dirname(path.resolve(file)))) {
    throw new TricksterError('USAGE', `--out ${file}: folder ${path.dirname(path.resolve(file))} does not exist; create it or write the report elsewhere`);
  }
  if (source.kind === 'run') {
    const run = readRunData(dir);
    const outcome = await evaluationOf(run, options);
    writeAtomically(file, renderRunReport(run, outcome));
    return { file, kind: 'run', runs: 1, testImages: 'evaluation' in outcome ? outcome.evaluation.count : null };
  }
  if (source.kind === 'experiment') {
    const { experiment, manifest } = source;
    const started = manifest.trials.filter((t) => isRunDir(experiment.runDir(t.id)));
    // Labelled by variant and seed (a trial shared by variants, as base and a single trick left out, names both).
    const label = (id: string, seed: number) => `${manifest.variants.filter((v) => v.trials.includes(id)).map((v) => v.name).join(' = ')} s${seed}`;
    const runs = started.map((t) => ({ ...readRunData(experiment.runDir(t.id)), name: label(t.id, t.seed) }));
    const notStarted = manifest.trials.filter((t) => !started.includes(t)).map((t) => t.id);
    const table = experimentTable(manifest, trialRecords(experiment, manifest));
    const title = `trickster report: ${manifest.kind} ${path.basename(path.resolve(dir))}`;
    writeAtomically(file, renderComparisonReport({ dir, title, runs, table, notStarted }));
    return { file, kind: 'experiment', runs: runs.length, testImages: null };
  }
  const runs = source.runDirs.map(readRunData);
  writeAtomically(file, renderComparisonReport({ dir, title: `trickster report: runs in ${path.basename(path.resolve(dir))}`, runs }));
  return { file, kind: 'runs', runs: runs.length, testImages: null };
}
