import type { MetricsRecord } from '../run-logs.js';
import type { StepRecord } from '../step-log.js';

/** One line of steps.jsonl as the diagnoses read it (a loss written as null is NaN here). */
export type StepPoint = Readonly<Pick<StepRecord, 'epoch' | 'step' | 'loss' | 'lr'>>;

/** One line of metrics.jsonl as the diagnoses read it (validation fields absent without a validation split). */
export type EpochPoint = Readonly<Pick<MetricsRecord, 'epoch' | 'step' | 'lr' | 'trainLoss' | 'valLoss' | 'valTop1'>>;

/** divergence.json: what a run stopped by NUMERIC_INSTABILITY recorded before it stopped. */
export interface DivergenceRecord {
  readonly code: 'NUMERIC_INSTABILITY';
  readonly message: string;
  /** Epochs finished before it stopped (the epoch in progress is this + 1, unless training had ended). */
  readonly epochsCompleted: number;
  /** Optimizer steps counted through the step that diverged (or taken, for a check after the steps). */
  readonly step: number;
  /** The learning rate at that moment. */
  readonly lr: number;
}

/** The parts of a run's config the diagnoses read to phrase their one change. */
export interface DiagnosisConfig {
  readonly optimizer: { readonly lr: number; readonly weightDecay?: number };
  readonly schedule: { readonly name: string; readonly warmup?: unknown };
  readonly model: { readonly width?: number };
  readonly training: { readonly epochs: number };
  readonly plugins: Readonly<Record<string, unknown>>;
}

/** Everything a diagnosis looks at: the curves so far, the config, and a divergence record if any. */
export interface RunCurves {
  readonly steps: readonly StepPoint[];
  readonly epochs: readonly EpochPoint[];
  readonly config: DiagnosisConfig;
  readonly divergence: DivergenceRecord | null;
  /** The run has ended (doctor on a finished or stopped run); false while training (live checks). */
  readonly finished: boolean;
  /** The training loss a fresh classifier starts from, ln(classes) (run.json's initialLoss); null or absent when unknown. */
  readonly initialLoss?: number | null;
}

/** Names of the diagnoses, in the order they are reported. */
export type DiagnosisId = 'divergence' | 'initial-lr-too-high' | 'late-lr-too-high' | 'lr-too-low' | 'overfitting' | 'underfitting' | 'plateau' | 'healthy';

/** A finding: what it is, the evidence from the logs, and one concrete change to the config. */
export interface Diagnosis {
  readonly id: DiagnosisId;
  readonly title: string;
  /** The epochs, steps and values the finding rests on. */
  readonly evidence: string;
  /** One change to the config that addresses it (a dotted key and its new value). */
  readonly change: string;
}

/** A diagnosis check: a finding, or null when the curves do not support it (or are too short to tell). */
export type DiagnosisCheck = (curves: RunCurves) => Diagnosis | null;
