import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { BackendChoice } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import { TricksterError } from '../../core/errors.js';
import { lrFindSvg } from '../../core/lr-find/plot.js';
import type { LrSuggestion } from '../../core/lr-find/suggest.js';
import { prepareLrWriter } from '../apply-config-lr.js';
import { findLearningRate } from '../lr-find.js';
import { positiveInt, positiveNumber } from './parse.js';

interface LrFindFlags {
  preset?: string;
  config?: string;
  data?: string;
  limit?: number;
  batchSize?: number;
  steps: number;
  startLr: number;
  endLr: number;
  backend: BackendChoice;
  json?: boolean;
  svg?: string;
  apply?: string;
}

/** The line of one suggestion: its rate and the rule that gave it. */
function suggestionLine(s: LrSuggestion | null, rule: string): string {
  return s ? `${s.rule.padEnd(6)} lr ${s.lr.toPrecision(3)}  (smoothed loss ${s.loss.toFixed(4)}; ${rule})` : `no ${rule.split(':')[0]} suggestion: the curve is too short (raise --steps or lower --start-lr)`;
}

/** What --apply extends when it creates a config: the --config file (relative to the new file) or the preset. */
function extendsRefFor(applyFile: string, flags: LrFindFlags, preset: string | undefined): string | undefined {
  if (flags.config) return path.relative(path.dirname(path.resolve(applyFile)), path.resolve(flags.config)) || flags.config;
  return preset;
}

/**
 * Adds `trickster lr-find`: the LR range test on a run's own model, data, augmentation and
 * plugins (app/lr-find.ts), printed with fastai's valley and steepest-descent suggestions.
 */
export function addLrFindCommand(program: Command): void {
  program
    .command('lr-find')
    .description('LR range test: train a throwaway model with the rate rising exponentially, print the smoothed loss curve\'s suggested rate (writes nothing unless --svg or --apply)')
    .option('--preset <name>', 'preset (built-in name or file)')
    .option('--config <file>', 'config file (default: found by cosmiconfig)')
    .option('--data <dir>', 'dataset folder or name (default: as train finds it)')
    .option('--limit <n>', 'use the first n training examples of a seeded shuffle', positiveInt)
    .option('--batch-size <n>', 'training batch size (the suggested rate is for this batch size)', positiveInt)
    .option('--steps <n>', 'optimizer steps of the ramp', positiveInt, 200)
    .option('--start-lr <x>', 'first rate of the ramp', positiveNumber, 1e-7)
    .option('--end-lr <x>', 'last rate of the ramp', positiveNumber, 10)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu', 'auto')
    .option('--json', 'print the curve and suggestions as one JSON line at the end')
    .option('--svg <file>', 'draw the curve and the suggestions as an SVG image')
    .option('--apply <file>', 'write the suggested optimizer.lr into this YAML/JSON config (created extending --preset/--config if missing)')
    .action(async (flags: LrFindFlags) => {
      const overrides: Record<string, Record<string, unknown>> = {};
      if (flags.limit !== undefined) overrides['data'] = { limit: flags.limit };
      if (flags.batchSize !== undefined) overrides['training'] = { batchSize: flags.batchSize };
      const resolved = await resolveConfig({ configFile: flags.config, preset: flags.preset, overrides });
      // A bad --apply target is refused before the test runs.
      const writeLr = flags.apply ? prepareLrWriter(flags.apply, extendsRefFor(flags.apply, flags, resolved.preset)) : undefined;
      const r = await findLearningRate(resolved, { steps: flags.steps, startLr: flags.startLr, endLr: flags.endLr, backend: flags.backend, dataDir: flags.data });
      const last = r.points.at(-1);
      const stop = r.diverged ? 'stopped: smoothed loss above 4x its best' : 'ran every planned step';
      process.stdout.write(`${r.points.length} of ${r.plannedSteps} steps, lr ${r.points[0]?.lr.toPrecision(3) ?? '-'} to ${last?.lr.toPrecision(3) ?? '-'} (${stop})\n`);
      process.stdout.write(`${suggestionLine(r.valley, 'valley: about halfway down the longest descending stretch, fastai\'s default')}\n`);
      process.stdout.write(`${suggestionLine(r.steep, 'steep: steepest descent of the loss against log lr')}\n`);
      if (r.suggestedConfigLr !== null && r.valley && r.suggestedConfigLr !== r.valley.lr) {
        process.stdout.write(`optimizer.lr ${r.suggestedConfigLr.toPrecision(3)} gives the valley rate under the config's scaling rule\n`);
      }
      if (flags.svg) {
        const marks = [r.valley, r.steep].filter((s): s is LrSuggestion => s !== null);
        writeFileSync(flags.svg, lrFindSvg(r.points, marks, `${flags.preset ?? flags.config ?? 'config'}: LR range test`));
        process.stderr.write(`wrote ${flags.svg}\n`);
      }
      if (flags.apply && writeLr) {
        if (r.suggestedConfigLr === null) {
          throw new TricksterError('USAGE', `--apply ${flags.apply}: nothing written, the curve is too short for a suggestion; raise --steps or lower --start-lr`);
        } else {
          const lr = Number(r.suggestedConfigLr.toPrecision(3));
          const how = writeLr(lr);
          process.stdout.write(`${how} ${flags.apply}: optimizer.lr ${lr}\n`);
        }
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
