import type { Logger } from '../logger.js';
import { findProblems } from './index.js';
import type { DiagnosisConfig, DiagnosisId, EpochPoint, StepPoint } from './types.js';

/**
 * The diagnoses run during training: after each epoch, on the curves so far; each kind of
 * problem is warned about once, through the trainer's logger, with its evidence and change.
 */
export class LiveDiagnosis {
  private readonly warned = new Set<DiagnosisId>();

  constructor(
    private readonly logger: Logger,
    private readonly config: DiagnosisConfig,
    private readonly initialLoss: number | null = null,
  ) {}

  /** Checks the curves so far; warns about each problem not warned about before. */
  check(steps: readonly StepPoint[], epochs: readonly EpochPoint[]): void {
    for (const d of findProblems({ steps, epochs, config: this.config, divergence: null, finished: false, initialLoss: this.initialLoss })) {
      if (this.warned.has(d.id)) continue;
      this.warned.add(d.id);
      this.logger.warn(`${d.title} (${d.evidence}); try ${d.change} (trickster doctor RUN_DIR explains the run)`);
    }
  }
}
