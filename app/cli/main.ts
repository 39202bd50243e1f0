import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { UsageError } from '../../core/errors.js';
import { reportError } from './errors.js';
import { addDoctorCommand } from './doctor-command.js';
import { addEvalCommand } from './eval-command.js';
import { addLrFindCommand } from './lr-find-command.js';
import { addPredictCommand } from './predict-command.js';
import { addPresetsCommand } from './presets-command.js';
import { addReportCommand } from './report-command.js';
import { addScheduleCommand } from './schedule-command.js';
import { addTrainCommand } from './train-command.js';
import { addAblateCommand } from './ablate-command.js';
import { addExperimentCommand } from './experiment-command.js';
import { addSweepCommand } from './sweep-command.js';
import { addWorkerCommand } from './worker-command.js';
import { packageVersion } from './version.js';

/** Runs the trickster CLI with `argv` (as process.argv); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('trickster')
    .description('train image classifiers with the bag of tricks on TensorFlow.js')
    .version(packageVersion(), '-V, --version', 'print the version of trickster')
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    // Commander's own errors are reported by reportError as USAGE errors; help still prints.
    .configureOutput({ outputError: () => {} })
    .enablePositionalOptions(false);
  addTrainCommand(program);
  addEvalCommand(program);
  addPresetsCommand(program);
  addScheduleCommand(program);
  addAblateCommand(program);
  addSweepCommand(program);
  addExperimentCommand(program);
  addLrFindCommand(program);
  addPredictCommand(program);
  addDoctorCommand(program);
  addReportCommand(program);
  addWorkerCommand(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError && !err.message.startsWith('error: ')) return err.exitCode;
    if (err instanceof CommanderError) return reportError(new UsageError(err.message.slice('error: '.length).replace(/\s*\n\s*/g, ' ')), false);
    return reportError(err, argv.includes('--verbose'));
  }
}
