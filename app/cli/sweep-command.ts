import type { Command } from 'commander';
import { TricksterError } from '../../core/errors.js';
import { checkDistinctAxes, gridPathHints, gridPoints, parseGridFlag, pointName, pointOverrides, type GridAxis } from '../../core/experiments/sweep-plan.js';
import { mergeLayers } from '../../core/config/merge.js';
import { addExperimentFlags, runExperiment, trialOverrides, type ExperimentFlags } from './experiment-run.js';
import { resolveRecipe } from './experiment-config.js';
import { oneLine } from './errors.js';

interface SweepFlags extends ExperimentFlags {
  grid: GridAxis[];
}

/** The one variant's name of a sweep without --grid. */
const RECIPE_ONLY = 'recipe';

/** Adds `trickster sweep`. */
export function addSweepCommand(program: Command): void {
  const command = program
    .command('sweep')
    .description(
      'train every point of a grid of config values (the cartesian product of the --grid flags; without --grid, the recipe ' +
        'alone) over several seeds and print each point with its paired delta to the best point (chosen on validation top-1 ' +
        'when the trials have a validation split); every point is resolved and validated before anything trains',
    );
  addExperimentFlags(command)
    .option('--grid <path=values>', 'a config path and its comma-separated values, e.g. optimizer.lr=0.05,0.1 (repeatable; none: the recipe alone, mean ± std over the seeds)', (v: string, prev: GridAxis[] = []) => [...prev, parseGridFlag(v)], [] as GridAxis[])
    .action(async (flags: SweepFlags) => {
      checkDistinctAxes(flags.grid);
      const recipe = await resolveRecipe({ configFile: flags.config, preset: flags.preset, overrides: trialOverrides(flags) });
      const variants = [];
      for (const point of gridPoints(flags.grid)) {
        const name = pointName(point) || RECIPE_ONLY;
        try {
          const config = await resolveRecipe({ configFile: flags.config, preset: flags.preset, overrides: mergeLayers(trialOverrides(flags), pointOverrides(point)) });
          variants.push({ name, reference: null, config });
        } catch (err) {
          if (!(err instanceof TricksterError)) throw err;
          throw new TricksterError(err.code, `--grid ${name}: ${oneLine(err.message)}${gridPathHints(flags.grid, recipe)}`);
        }
      }
      await runExperiment({ kind: 'sweep', label: flags.preset ?? 'sweep', variants }, flags, process.argv.slice(2));
    });
}
