import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TricksterConfig } from './config/schema.js';
import { LiveDiagnosis } from './diagnosis/live.js';
import type { DivergenceRecord } from './diagnosis/types.js';
import type { TrainerHooks } from './hooks.js';
import type { Logger } from './logger.js';
import type { Position } from './contexts.js';
import type { NumericError } from './errors.js';
import { STEP_COLUMNS, StepLog, type StepRecord } from './step-log.js';
import { TableLog, writeAtomically } from './table-log.js';

/** One line of metrics.jsonl / metrics.csv: an epoch's training and evaluation metrics. */
export interface MetricsRecord {
  /** 1-based epoch. */
  epoch: number;
  step: number;
  lr: number;
  trainLoss: number;
  valLoss?: number;
  valTop1?: number;
  valTop5?: number;
  testLoss?: number;
  testTop1?: number;
  testTop5?: number;
  imgPerSec: number;
  [key: string]: number | undefined;
}

/** Columns of metrics.csv, `epoch` first as in Keras' CSVLogger; a value an epoch lacks is an empty cell. */
export const METRICS_COLUMNS = ['epoch', 'step', 'lr', 'trainLoss', 'valLoss', 'valTop1', 'valTop5', 'testLoss', 'testTop1', 'testTop5', 'imgPerSec'] as const;

/** The file a run stopped by NUMERIC_INSTABILITY leaves for `trickster doctor`. */
export const DIVERGENCE_FILE = 'divergence.json';

/** What the run's logs need from the trainer. */
export interface RunLogsOptions {
  readonly dir: string;
  readonly hooks: TrainerHooks;
  readonly logger: Logger;
  readonly config: TricksterConfig;
  /** The learning rate now. */
  readonly lr: () => number;
  /** Date.now() when the run (or the resumed run) started. */
  readonly started: number;
  /** Epochs the checkpoint holds (0 for a new run): lines of later epochs are dropped. */
  readonly completedEpochs: number;
  /** The loss a fresh classifier starts from (RunRecord.initialLoss), for the live diagnosis. */
  readonly initialLoss: number | null;
}

/**
 * The curves a run writes beside its checkpoint: metrics.jsonl/.csv (an epoch a line),
 * steps.jsonl/.csv (every training.logEverySteps optimizer steps, through StepLog's hooks), and
 * after each epoch the live diagnosis over them. Opening them for a resume drops the lines written
 * after the checkpoint it starts from, and a divergence record of the attempt before.
 */
export class RunLogs {
  private readonly metrics: TableLog<MetricsRecord>;
  private readonly steps: TableLog<StepRecord>;
  private readonly live: LiveDiagnosis;

  constructor(options: RunLogsOptions) {
    const { dir, completedEpochs, config } = options;
    const every = config.training.logEverySteps;
    const kept = (r: { epoch: number }) => r.epoch <= completedEpochs;
    this.metrics = new TableLog<MetricsRecord>(dir, 'metrics', METRICS_COLUMNS);
    this.metrics.open(kept);
    this.steps = new TableLog<StepRecord>(dir, 'steps', STEP_COLUMNS);
    if (every > 0 || existsSync(path.join(dir, 'steps.jsonl'))) this.steps.open(kept);
    new StepLog(this.steps, every, options.lr, options.started).tap(options.hooks);
    rmSync(path.join(dir, DIVERGENCE_FILE), { force: true });
    this.live = new LiveDiagnosis(options.logger, config, options.initialLoss);
  }

  /** Writes the epoch's metrics line and warns (once per kind) about any problem the curves so far show. */
  endEpoch(record: MetricsRecord): void {
    this.metrics.append(record);
    this.live.check(this.steps.records, this.metrics.records);
  }
}

/**
 * Leaves divergence.json in the run directory when a run stops with NUMERIC_INSTABILITY: the
 * message, and the step that diverged with its rate (the NaN watch's place), else where the run
 * was (`position`, `lr`: a check after the steps, as of the exported weights); so `trickster
 * doctor` can name it. Nothing when the folder was never made.
 */
export function recordDivergence(dir: string, err: NumericError, position: Position, lr: number): void {
  if (!existsSync(dir)) return;
  const at = err.place ? { epochsCompleted: err.place.epoch, step: err.place.step + 1, lr: err.place.lr } : { epochsCompleted: position.epoch, step: position.step, lr };
  const record: DivergenceRecord = { code: 'NUMERIC_INSTABILITY', message: err.message, ...at };
  writeAtomically(path.join(dir, DIVERGENCE_FILE), `${JSON.stringify(record, null, 2)}\n`);
}
