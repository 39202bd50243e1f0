import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TricksterError } from '../../core/errors.js';
import { ExperimentDir, type Manifest } from '../../core/experiments/manifest.js';
import { isRunDir } from './run-data.js';

/** What a report is about: one run, an experiment (ablate / sweep folder), or a folder of run directories. */
export type ReportSource =
  | { readonly kind: 'run'; readonly dir: string }
  | { readonly kind: 'experiment'; readonly dir: string; readonly experiment: ExperimentDir; readonly manifest: Manifest }
  | { readonly kind: 'runs'; readonly dir: string; readonly runDirs: readonly string[] };

/** Tells what `dir` holds: a run (config.json), an experiment (manifest.json) or run directories one level down. */
export function reportSource(dir: string): ReportSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new TricksterError('RUN_NOT_FOUND', `${dir}: no such folder; pass a run directory (the --out of trickster train), an experiment folder or a folder of runs`);
  }
  if (isRunDir(dir)) return { kind: 'run', dir };
  const experiment = new ExperimentDir(dir);
  if (existsSync(experiment.manifestFile)) return { kind: 'experiment', dir, experiment, manifest: experiment.read() };
  const runDirs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isRunDir(path.join(dir, e.name)))
    .map((e) => path.join(dir, e.name))
    .sort();
  if (runDirs.length === 0) {
    throw new TricksterError(
      'RUN_NOT_FOUND',
      `${dir} holds no trickster run (no config.json), experiment (no manifest.json) or run directories; pass the --out folder of trickster train, ablate or sweep`,
    );
  }
  return { kind: 'runs', dir, runDirs };
}
