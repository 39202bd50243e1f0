import type { Command } from 'commander';
import YAML from 'yaml';
import { builtinPlugins } from '../../plugins/registry.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import { builtinPresetNames } from '../../core/config/presets.js';
import { loadPlugins } from '../plugin-loader.js';

/**
 * The config as `presets --show` prints it: with a time budget, the schema's default
 * `training.epochs` is left out, since the budget chooses the epochs and that default is never used.
 */
function shownConfig(config: TricksterConfig): object {
  if (config.training.timeBudget === undefined) return config;
  const { epochs: _unused, ...training } = config.training;
  return { ...config, training };
}

/** Adds `trickster presets` (list) and `trickster presets --show NAME` (the resolved config). */
export function addPresetsCommand(program: Command): void {
  program
    .command('presets')
    .description('list the built-in presets, or show one fully resolved with --show')
    .option('--show <name>', 'print the resolved config of a preset (built-in name or file)')
    .action(async (flags: { show?: string }) => {
      if (flags.show) {
        const { config, sources, baseDir } = await resolveConfig({ preset: flags.show, inline: { extends: flags.show } });
        // Making the plugins validates their options, with the errors `train` gives.
        await loadPlugins(config, baseDir);
        process.stdout.write(`# ${flags.show} (from ${sources.join(' <- ')})\n${YAML.stringify(shownConfig(config))}`);
        if (config.training.timeBudget !== undefined) {
          process.stdout.write(`# training.epochs: chosen when the run starts, as many as fit timeBudget ${config.training.timeBudget} at the speed a pilot measures (--epochs N replaces the budget)\n`);
        }
        const on = new Set(Object.entries(config.plugins).filter(([, v]) => v !== false).map(([k]) => k));
        process.stdout.write('\n# plugins (on: *)\n');
        for (const p of builtinPlugins) process.stdout.write(`#  ${on.has(p.name) || p.name === 'lr-schedule' ? '*' : ' '} ${p.name}: ${p.summary}\n`);
        return;
      }
      for (const name of builtinPresetNames()) {
        const { config } = await resolveConfig({ inline: { extends: name } });
        process.stdout.write(`${name.padEnd(18)} ${config.description ?? ''}\n`);
      }
    });
}
