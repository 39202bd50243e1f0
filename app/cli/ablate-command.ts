import { Option, type Command } from 'commander';
import { chooseTricks, planAblation, type AblationMode } from '../../core/experiments/ablation-plan.js';
import { addExperimentFlags, runExperiment, trialOverrides, type ExperimentFlags } from './experiment-run.js';
import { resolveRecipe, validateTrialConfig } from './experiment-config.js';

interface AblateFlags extends ExperimentFlags {
  mode: AblationMode;
  only?: string[];
  skip?: string[];
}

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** Adds `trickster ablate`. */
export function addAblateCommand(program: Command): void {
  const command = program
    .command('ablate')
    .description(
      'which tricks of a recipe pay: train the full recipe, the base (every chosen trick off) and each trick left out ' +
        '(and/or added to the base) over several seeds, then print paired deltas with 95% intervals (on the validation split too, ' +
        'and ordered by it, when the trials have one). Tricks: each enabled plugin ' +
        '(off: plugins.NAME false), schedule.scaleRule (off: none), schedule.warmup (off: removed), schedule.cosine/linear (off: multistep ' +
        '×0.1 at 50%/75%), each augment.* (off: false), model.zeroGamma (off: false), model.variant (off: a)',
    );
  addExperimentFlags(command)
    .addOption(new Option('--mode <mode>', 'loo: leave each trick out of the full recipe; add: add each to the base; both').choices(['loo', 'add', 'both']).default('loo'))
    .option('--only <tricks>', 'ablate only these tricks (comma-separated ids, e.g. ema,schedule.warmup)', list)
    .option('--skip <tricks>', 'keep these tricks on in every variant', list)
    .action(async (flags: AblateFlags) => {
      const full = await resolveRecipe({ configFile: flags.config, preset: flags.preset, overrides: trialOverrides(flags) });
      const tricks = chooseTricks(full, { only: flags.only, skip: flags.skip });
      const variants = [];
      for (const v of planAblation(full, tricks, flags.mode)) variants.push({ ...v, config: await validateTrialConfig(v.config, process.cwd()) });
      const offMeans = Object.fromEntries(tricks.map((t) => [t.id, t.offMeans]));
      await runExperiment({ kind: 'ablation', label: flags.preset ?? 'ablate', variants, offMeans }, flags, process.argv.slice(2));
    });
}
