import path from 'node:path';
import { resolveRecipe, validateTrialConfig } from '../../app/cli/experiment-config.js';
import { trialOverrides, type ExperimentFlags } from '../../app/cli/experiment-run.js';
import { mergeLayers } from '../../core/config/merge.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import { chooseTricks, planAblation } from '../../core/experiments/ablation-plan.js';
import { gridPoints, parseGridFlag, pointName, pointOverrides } from '../../core/experiments/sweep-plan.js';
import { EVIDENCE_DIR, type Experiment } from './claims.js';

/** A planned variant of an experiment: its name (as the table shows it) and resolved config. */
export interface PlannedVariant {
  readonly name: string;
  readonly config: TricksterConfig;
}

/**
 * The variants `trickster ablate|sweep` would train for `experiment`, planned with the same
 * functions the commands use (core/experiments) and validated (config schema and plugin options),
 * without training anything: what the claims refer to must exist before hours are spent.
 */
export async function planVariants(experiment: Experiment): Promise<PlannedVariant[]> {
  const configFile = path.resolve(EVIDENCE_DIR, experiment.config);
  const { seeds, epochs, limit, testLimit, replicas } = experiment.scale;
  const overrides = trialOverrides({ seeds, epochs, limit, testLimit, replicas, backend: 'auto', retries: 1, format: 'md' } satisfies ExperimentFlags);
  if (experiment.kind === 'ablate') {
    const full = await resolveRecipe({ configFile, overrides });
    const tricks = chooseTricks(full, { only: experiment.only });
    const variants: PlannedVariant[] = [];
    for (const v of planAblation(full, tricks, 'loo')) variants.push({ name: v.name, config: await validateTrialConfig(v.config, process.cwd()) });
    return variants;
  }
  // Each axis parsed from the very --grid flag the command gets, so `{}`-style values mean the same here.
  const axes = Object.entries(experiment.grid ?? {}).map(([p, values]) => parseGridFlag(`${p}=${values.join(',')}`));
  const variants: PlannedVariant[] = [];
  for (const point of gridPoints(axes)) {
    variants.push({ name: pointName(point), config: await resolveRecipe({ configFile, overrides: mergeLayers(overrides, pointOverrides(point)) }) });
  }
  return variants;
}
