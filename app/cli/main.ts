import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { reportError } from './errors.js';
import { addEvalCommand } from './eval-command.js';
import { addPresetsCommand } from './presets-command.js';
import { addScheduleCommand } from './schedule-command.js';
import { addTrainCommand } from './train-command.js';

/** Runs the trickster CLI with `argv` (as process.argv); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('trickster')
    .description('train image classifiers with the bag of tricks on TensorFlow.js')
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .enablePositionalOptions(false);
  addTrainCommand(program);
  addEvalCommand(program);
  addPresetsCommand(program);
  addScheduleCommand(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    return reportError(err, argv.includes('--verbose'));
  }
}
