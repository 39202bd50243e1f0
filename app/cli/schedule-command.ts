import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { scheduleCurve } from '../../plugins/lr-schedule/curve.js';
import { resolveConfig } from '../../core/config/load.js';
import { lrCurveSvg } from '../../core/schedule-plot.js';
import { positiveInt } from './parse.js';

/** Adds `trickster schedule`: the learning rate per epoch of a preset or config, printed and drawn. */
export function addScheduleCommand(program: Command): void {
  program
    .command('schedule')
    .description('print the learning rate per epoch of a preset or config (no training), and draw it as SVG')
    .option('--preset <name>', 'preset (built-in name or file)')
    .option('--config <file>', 'config file (default: found by cosmiconfig)')
    .option('--epochs <n>', 'number of epochs', positiveInt)
    .option('--steps-per-epoch <n>', 'optimizer steps per epoch (default: 60000 / batch size)', positiveInt)
    .option('--svg <file>', 'write the curve as an SVG image')
    .option('--json', 'print the per-epoch rates as JSON')
    .action(async (flags: { preset?: string; config?: string; epochs?: number; stepsPerEpoch?: number; svg?: string; json?: boolean }) => {
      const overrides = flags.epochs ? { training: { epochs: flags.epochs } } : undefined;
      const { config, preset } = await resolveConfig({ preset: flags.preset, configFile: flags.config, overrides });
      const stepsPerEpoch = flags.stepsPerEpoch ?? Math.floor((config.data.limit ?? 60000) / config.training.batchSize);
      const { perEpoch, perStep } = scheduleCurve(config, stepsPerEpoch);
      if (flags.json) process.stdout.write(`${JSON.stringify(perEpoch)}\n`);
      else for (const p of perEpoch) process.stdout.write(`epoch ${String(p.epoch + 1).padStart(3)}  lr ${p.lr.toPrecision(6)}\n`);
      if (flags.svg) {
        writeFileSync(flags.svg, lrCurveSvg(perStep, `${preset ?? flags.config ?? 'config'}: ${config.schedule.name} schedule`));
        process.stderr.write(`wrote ${flags.svg}\n`);
      }
    });
}
