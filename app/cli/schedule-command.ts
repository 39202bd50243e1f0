import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { resolveConfig } from '../../core/config/load.js';
import { consoleLogger } from '../../core/logger.js';
import { findDataDir } from '../../core/data/find-data-dir.js';
import { previewSchedule } from '../../core/schedule-preview/index.js';
import { epochStartRates, sampledCurve } from '../../core/schedule-preview/curve.js';
import { lrCurveSvg } from '../../core/schedule-plot.js';
import { loadPlugins } from '../plugin-loader.js';
import { positiveInt } from './parse.js';

/**
 * Adds `trickster schedule`: the learning rate per epoch of a preset or config, printed and drawn,
 * computed by the config's plugins on the trainer's step counts (core/schedule-preview).
 */
export function addScheduleCommand(program: Command): void {
  program
    .command('schedule')
    .description('print the learning rate per epoch of a preset or config as training applies it (no training), and draw it as SVG')
    .option('--preset <name>', 'preset (built-in name or file)')
    .option('--config <file>', 'config file (default: found by cosmiconfig)')
    .option('--data <dir>', 'dataset folder or name whose training images set the epoch length (default: as train finds it)')
    .option('--epochs <n>', 'number of epochs', positiveInt)
    .option('--steps-per-epoch <n>', 'optimizer steps per epoch (default: counted from the dataset as train counts them)', positiveInt)
    .option('--svg <file>', 'write the curve as an SVG image')
    .option('--json', 'print the per-epoch rates as JSON')
    .action(async (flags: { preset?: string; config?: string; data?: string; epochs?: number; stepsPerEpoch?: number; svg?: string; json?: boolean }) => {
      const overrides = flags.epochs ? { training: { epochs: flags.epochs } } : undefined;
      const { config, preset, baseDir } = await resolveConfig({ preset: flags.preset, configFile: flags.config, overrides });
      const plugins = await loadPlugins(config, baseDir);
      if (config.training.timeBudget !== undefined) {
        consoleLogger.warn(`training.timeBudget ${config.training.timeBudget}: \`trickster train\` chooses the epochs when the run starts; this previews training.epochs (${config.training.epochs}), set with --epochs`);
      }
      // The data folder is found (and a dataset named by --data fetched) before the synchronous preview reads it.
      const dataDir = flags.stepsPerEpoch === undefined ? await findDataDir({ cliDir: flags.data, configDir: config.data.dir, baseDir }) : flags.data;
      const preview = previewSchedule(config, plugins, { stepsPerEpoch: flags.stepsPerEpoch, baseDir, dataDir, logger: consoleLogger });
      const perEpoch = epochStartRates(preview);
      if (flags.json) process.stdout.write(`${JSON.stringify(perEpoch)}\n`);
      else for (const p of perEpoch) process.stdout.write(`epoch ${String(p.epoch + 1).padStart(3)}  lr ${p.lr.toPrecision(6)}\n`);
      if (flags.svg) {
        writeFileSync(flags.svg, lrCurveSvg(sampledCurve(preview), `${preset ?? flags.config ?? 'config'}: ${config.schedule.name} schedule`));
        process.stderr.write(`wrote ${flags.svg}\n`);
      }
    });
}
