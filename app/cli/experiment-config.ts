import path from 'node:path';
import { resolveConfig, type ResolveOptions } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import { findBuiltinPlugin } from '../../plugins/registry.js';
import { isModulePath, loadPlugins } from '../plugin-loader.js';

/**
 * `config` with every relative path made absolute against `baseDir` (data.dir, plugin module keys,
 * plugin path options such as a distillation teacher), so a trial trains the same from its
 * experiment folder as the config did from its own.
 */
export function absolutePaths(config: TricksterConfig, baseDir: string): TricksterConfig {
  const plugins: Record<string, unknown> = {};
  for (const [key, options] of Object.entries(config.plugins)) {
    const pathOptions = findBuiltinPlugin(key)?.pathOptions ?? [];
    let value = options;
    if (pathOptions.length && options !== null && typeof options === 'object' && !Array.isArray(options)) {
      const o: Record<string, unknown> = { ...(options as Record<string, unknown>) };
      for (const k of pathOptions) if (typeof o[k] === 'string' && o[k] !== '') o[k] = path.resolve(baseDir, o[k]);
      value = o;
    }
    plugins[isModulePath(key) ? path.resolve(baseDir, key) : key] = value;
  }
  const data = config.data.dir ? { ...config.data, dir: path.resolve(baseDir, config.data.dir) } : config.data;
  return { ...config, data, plugins };
}

/**
 * Validates a trial config completely before anything trains: the config schema (resolveConfig)
 * and every plugin's options, the schedule's included (the plugins are made, then dropped).
 */
export async function validateTrialConfig(config: TricksterConfig, baseDir: string): Promise<TricksterConfig> {
  const resolved = await resolveConfig({ inline: config as unknown as Record<string, unknown>, cwd: baseDir });
  await loadPlugins(resolved.config, baseDir);
  return resolved.config;
}

/** Resolves a recipe (preset or config file plus overrides) and validates it as a trial config with absolute paths. */
export async function resolveRecipe(options: ResolveOptions): Promise<TricksterConfig> {
  const resolved = await resolveConfig(options);
  return validateTrialConfig(absolutePaths(resolved.config, resolved.baseDir), resolved.baseDir);
}
