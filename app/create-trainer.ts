import 'reflect-metadata';
import path from 'node:path';
import { container } from 'tsyringe';
import { useBackend, type BackendChoice } from '../core/backends/resolve.js';
import { resolveConfig, type ResolvedConfig } from '../core/config/load.js';
import { findDataDir } from '../core/data/find-data-dir.js';
import { augmentationsLine, withoutPresetFlip } from '../core/data/orientation.js';
import { DatasetProvider } from '../core/dataset-provider.js';
import { consoleLogger, type Logger } from '../core/logger.js';
import type { TricksterConfig } from '../core/config/schema.js';
import type { TricksterPlugin } from '../core/plugin.js';
import { loadPlugins } from './plugin-loader.js';
import { ProgressPlugin } from '../core/progress.js';
import { newRunDirPath } from '../core/run-dir.js';
import { TOKENS } from '../core/tokens.js';
import { Trainer, type RunOptions } from '../core/trainer.js';

/** How to run, beside the config: backend, output, extra plugins, output style. */
export interface CreateTrainerOptions {
  backend?: BackendChoice;
  /** Run directory; default `runs/<timestamp>-<preset or model>` under the current folder. */
  outDir?: string;
  /** Continue the run in `outDir` from its checkpoint. */
  resume?: boolean;
  /** Plugin instances added in code (after the configured ones). */
  plugins?: TricksterPlugin[];
  logger?: Logger;
  /** Progress display; default `bar` on a TTY, `lines` otherwise. */
  progress?: 'bar' | 'lines' | 'none';
  /** Dataset folder; overrides the config's data.dir and TRICKSTER_DATA. */
  dataDir?: string;
  /** Export the final model (default true). */
  exportModel?: boolean;
}

/** A config in code (same shape as a config file, `extends` allowed) or an already resolved one. */
export type TrainerConfigInput = Record<string, unknown> | ResolvedConfig;

function isResolved(c: TrainerConfigInput): c is ResolvedConfig {
  return 'config' in c && 'sources' in c && 'baseDir' in c;
}

/** Whether the user's own config layer (not a preset it extends) sets data.augment.flip. */
function userSetsFlip(resolved: ResolvedConfig): boolean {
  const data = resolved.userLayer?.['data'] as { augment?: { flip?: unknown } } | undefined;
  return data?.augment?.flip !== undefined;
}

/** A run's parts before a trainer exists: the effective config, its backend, data folder, data provider and configured plugins. */
export interface PreparedRun {
  readonly resolved: ResolvedConfig;
  readonly config: TricksterConfig;
  readonly backend: string;
  readonly dataDir: string;
  readonly data: DatasetProvider;
  readonly plugins: TricksterPlugin[];
  readonly logger: Logger;
}

/**
 * Resolves the config, activates the backend (printed first), finds the data folder and applies
 * its flip rule, and loads the configured plugins: what createTrainer and the LR range test share.
 */
export async function prepareRun(input: TrainerConfigInput, options: Pick<CreateTrainerOptions, 'backend' | 'logger' | 'dataDir'> = {}): Promise<PreparedRun> {
  const resolved = isResolved(input) ? input : await resolveConfig({ inline: input });
  const logger = options.logger ?? consoleLogger;
  const backend = await useBackend(options.backend ?? 'auto');
  logger.info(`trickster: backend ${backend}`);
  // The data folder is found (a dataset by name fetched) first: what it holds decides the flip.
  const dataDir = await findDataDir({ cliDir: options.dataDir, configDir: resolved.config.data.dir, baseDir: resolved.baseDir });
  const { config, note } = withoutPresetFlip(resolved.config, dataDir, userSetsFlip(resolved));
  if (note) logger.info(note);
  logger.info(augmentationsLine(config));
  const plugins = await loadPlugins(config, resolved.baseDir);
  return { resolved, config, backend, dataDir, data: new DatasetProvider(resolved.baseDir, dataDir), plugins, logger };
}

/**
 * Builds a trainer in its own tsyringe child container: resolves and validates the config,
 * activates the backend (its name is the first line printed), and registers the services and
 * every plugin (configured and given) under the plugins token.
 */
export async function createTrainer(input: TrainerConfigInput, options: CreateTrainerOptions = {}): Promise<Trainer> {
  const { resolved, config, backend, data, plugins: configured, logger } = await prepareRun(input, options);
  if (config.training.timeBudget !== undefined) {
    logger.warn(`training.timeBudget ${config.training.timeBudget} is planned by \`trickster train\` or trainWithTimeBudget(); this trainer runs training.epochs (${config.training.epochs})`);
  }
  const label = resolved.preset && !resolved.preset.includes('/') ? resolved.preset : config.model.name;
  const runOptions: RunOptions = {
    outDir: path.resolve(options.outDir ?? newRunDirPath('runs', label)),
    resume: options.resume,
    backend,
    preset: resolved.configName ?? resolved.preset,
    configDir: resolved.baseDir,
    exportModel: options.exportModel,
  };
  const plugins = [...configured, ...(options.plugins ?? [])];
  const progress = options.progress ?? (process.stderr.isTTY ? 'bar' : 'lines');
  plugins.push(new ProgressPlugin(progress));

  const scope = container.createChildContainer();
  scope.register(TOKENS.config, { useValue: config });
  scope.register(TOKENS.runOptions, { useValue: runOptions });
  scope.register(TOKENS.logger, { useValue: logger });
  scope.register(TOKENS.data, { useValue: data });
  for (const plugin of plugins) scope.register(TOKENS.plugins, { useValue: plugin });
  return scope.resolve(Trainer);
}
