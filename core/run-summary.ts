import type { EvalMetrics, StopRequest } from './contexts.js';
import type { MachineFacts } from './machine.js';

/** How a run is carried out, beside what it trains (the config). */
export interface RunOptions {
  /** Run directory (metrics, checkpoints, exported model). */
  readonly outDir: string;
  /** Continue the run whose directory holds a checkpoint. */
  readonly resume?: boolean;
  /** Name of the backend in use, for the summary. */
  readonly backend: string;
  /** What the user ran, for the summary: the config file (as given or found), else the preset. */
  readonly preset?: string;
  /** Folder relative paths in the config resolve against (recorded so a resume finds them from anywhere). */
  readonly configDir?: string;
  /** Export the final model to outDir/model. */
  readonly exportModel?: boolean;
}

/** What `fit` returns and `--json` prints. */
export interface RunSummary {
  backend: string;
  /** The config file the run was started with (as given to --config, or as found), else the preset it extends; null for neither. */
  preset: string | null;
  model: string;
  /** Replicas each batch was split over (training.replicas resolved). */
  replicas: number;
  epochs: number;
  steps: number;
  /** Test split, evaluated once after training (at `inputSize`). */
  top1: number;
  top5: number;
  testLoss: number;
  /** Input size of the final evaluation and the exported model. */
  inputSize: number;
  /** The last epoch's validation metrics; null without a validation split. */
  validation: EvalMetrics | null;
  imgPerSec: number;
  wallSeconds: number;
  /** The CPU and Node.js that trained it (that imgPerSec and wallSeconds were measured on); a resumed run records the machine that finished it. */
  machine: MachineFacts;
  runDir: string;
  stopped: StopRequest | null;
  plugins: Record<string, Record<string, unknown>>;
}
