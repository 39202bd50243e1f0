import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TricksterError } from '../errors.js';
import type { Trial } from './trials.js';

/** A variant as the manifest records it: its name, reference and trial ids (one per seed, in seed order). */
export interface ManifestVariant {
  readonly name: string;
  readonly reference: string | null;
  readonly trials: readonly string[];
}

/** What an experiment is: written once when it starts, read by every later command on its folder. */
export interface Manifest {
  readonly version: 1;
  /** ablation: deltas against the variant's reference; sweep: deltas against the best grid point. */
  readonly kind: 'ablation' | 'sweep';
  /** The command line that made it, for people (the trials decide whether a command continues it). */
  readonly command: string;
  readonly created: string;
  readonly seeds: readonly number[];
  readonly variants: readonly ManifestVariant[];
  readonly trials: readonly Trial[];
  /** Ablation only: what switching each trick off does. */
  readonly offMeans?: Readonly<Record<string, string>>;
}

/** Files of an experiment folder: manifest.json, configs/<id>.json, trials/<id>/ (run directories), results/<id>.json. */
export class ExperimentDir {
  constructor(readonly dir: string) {}

  /** manifest.json of the experiment. */
  get manifestFile(): string {
    return path.join(this.dir, 'manifest.json');
  }

  /** The run directory of a trial: an ordinary `trickster train --out` folder. */
  runDir(id: string): string {
    return path.join(this.dir, 'trials', id);
  }

  /** The config file a trial's first attempt trains from. */
  configFile(id: string): string {
    return path.join(this.dir, 'configs', `${id}.json`);
  }

  /** Where a trial's outcome (summary or error) is recorded. */
  resultFile(id: string): string {
    return path.join(this.dir, 'results', `${id}.json`);
  }

  /** Holds the pid of the process training a trial while it runs (see pool.ts). */
  pidFile(id: string): string {
    return path.join(this.dir, 'running', `${id}.pid`);
  }

  /** The manifest; EXPERIMENT_NOT_FOUND when the folder holds none. */
  read(): Manifest {
    if (!existsSync(this.manifestFile)) {
      throw new TricksterError('EXPERIMENT_NOT_FOUND', `${this.dir} is not an experiment folder (no manifest.json); pass the --out folder of a trickster ablate or sweep`);
    }
    try {
      return JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
    } catch (err) {
      throw new TricksterError('EXPERIMENT_NOT_FOUND', `${this.manifestFile} is not valid JSON (${(err as Error).message}); the experiment folder is damaged, start it in another --out folder`);
    }
  }

  /**
   * Starts the experiment `planned` in this folder, or continues the one there if it plans the
   * same trials; a folder holding another experiment is refused (EXPERIMENT_MISMATCH), unchanged.
   */
  openOrCreate(planned: Manifest): Manifest {
    if (existsSync(this.manifestFile)) {
      const existing = this.read();
      const mismatch = manifestMismatch(existing, planned);
      if (mismatch) {
        throw new TricksterError(
          'EXPERIMENT_MISMATCH',
          `${this.dir} holds another experiment (${mismatch}); it was made by: ${existing.command} — re-run that command to continue it, or pass another --out`,
        );
      }
      return existing;
    }
    for (const sub of ['configs', 'trials', 'results']) mkdirSync(path.join(this.dir, sub), { recursive: true });
    for (const trial of planned.trials) writeJsonAtomic(this.configFile(trial.id), trial.config);
    writeJsonAtomic(this.manifestFile, planned);
    return planned;
  }
}

/** Why two manifests are not the same experiment, or null when they plan the same variants and trials. */
export function manifestMismatch(existing: Manifest, planned: Manifest): string | null {
  const article = (kind: Manifest['kind']) => (kind === 'ablation' ? 'an ablation' : 'a sweep');
  if (existing.kind !== planned.kind) return `it is ${article(existing.kind)}, this command makes ${article(planned.kind)}`;
  const names = (m: Manifest) => m.variants.map((v) => `${v.name}:${v.trials.join('+')}`).join(' ');
  const ids = new Set(existing.trials.map((t) => t.id));
  const missing = planned.trials.filter((t) => !ids.has(t.id)).length;
  if (missing > 0) return `${missing} of this command's ${planned.trials.length} trials are not in it`;
  if (existing.trials.length !== planned.trials.length || names(existing) !== names(planned)) return 'its variants differ from this command\'s';
  return null;
}

/** Writes JSON through a temporary file and a rename, so a reader never sees half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}
