import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CheckpointError, TricksterError } from './errors.js';
import type { RunSummary } from './run-summary.js';

/** What a run records about itself beside its config (run.json), so a resume continues it exactly. */
export interface RunRecord {
  /** What the user ran: the config file (as given or found), else the preset; null for neither. */
  readonly preset: string | null;
  /** Replicas each batch was split over. */
  readonly replicas: number;
  /** Folder the dataset was read from. */
  readonly dataDir: string;
  /** Folder relative paths of config.json (data.dir, a teacher) resolve against; null: the working folder. */
  readonly configDir: string | null;
  /** Backend that trained it. */
  readonly backend: string;
  /**
   * The training loss a fresh classifier starts from, ln(classes) (doctor's reference for an early
   * rise); null when a plugin adds a term to the loss (its scale is then the plugin's). Absent in
   * runs recorded before it was.
   */
  readonly initialLoss?: number | null;
}

/** Files of one run: config.json, run.json, checkpoint.ckpt, model/, summary.json (once finished); the curves are core/run-logs.ts's. */
export class RunDir {
  constructor(readonly dir: string) {}

  get checkpointFile(): string {
    return path.join(this.dir, 'checkpoint.ckpt');
  }

  get modelDir(): string {
    return path.join(this.dir, 'model');
  }

  private get configFile(): string {
    return path.join(this.dir, 'config.json');
  }

  private get recordFile(): string {
    return path.join(this.dir, 'run.json');
  }

  /** Refuses to start a new run in a folder that already holds one (its files would be overwritten). */
  assertNoRun(): void {
    if (existsSync(this.configFile) || existsSync(this.checkpointFile)) {
      throw new TricksterError(
        'RUN_DIR_EXISTS',
        `${this.dir} already holds a run; continue it with --resume ${this.dir}, or pass another --out folder`,
      );
    }
  }

  /** The config.json and run.json of an earlier run, for a resume. */
  readPrevious(): { config: Record<string, unknown>; record: RunRecord | null } {
    if (!existsSync(this.configFile)) {
      throw new CheckpointError(`${this.dir} is not a trickster run directory (no config.json); pass the --out folder of an earlier run`);
    }
    const config = readRunJson(this.configFile) as Record<string, unknown>;
    const record = existsSync(this.recordFile) ? (readRunJson(this.recordFile) as RunRecord) : null;
    return { config, record };
  }

  /** The summary a finished run wrote (summary.json), or null while it has not finished. */
  readSummary(): RunSummary | null {
    const file = path.join(this.dir, 'summary.json');
    return existsSync(file) ? (readRunJson(file) as RunSummary) : null;
  }

  /** Writes the summary of a finished run (summary.json, last of its files). */
  writeSummary(summary: RunSummary): void {
    writeFileSync(path.join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }

  /** Writes the resolved config the run uses and its run record (creating the folder). */
  writeConfig(config: unknown, record: RunRecord): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(this.recordFile, `${JSON.stringify(record, null, 2)}\n`);
  }
}

/** A JSON file of a run directory; unreadable JSON means a damaged run (CHECKPOINT_INVALID). */
function readRunJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CheckpointError(`${file} is not valid JSON (${(err as Error).message}); the run directory is damaged, start a new run`);
  }
}

/** A fresh run directory name under `root`: `<root>/<yyyymmdd-hhmmss>-<label>`. */
export function newRunDirPath(root: string, label: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(root, `${stamp}-${label}`);
}
