import path from 'node:path';
import { builtinPlugins, findBuiltinPlugin } from '../plugins/registry.js';
import type { PluginDefinition } from '../core/plugin-definition.js';
import type { TricksterConfig } from '../core/config/schema.js';
import { unknownNameMessage } from '../core/config/suggest.js';
import { ConfigError } from '../core/errors.js';
import { parsePluginOptions } from '../core/plugin-options.js';
import { importDefault } from '../core/import-module.js';
import type { TricksterPlugin } from '../core/plugin.js';

/** Whether a `plugins` key names a module file rather than a built-in plugin. */
export function isModulePath(key: string): boolean {
  return key.startsWith('.') || path.isAbsolute(key);
}

/**
 * Loads a user plugin module. It may default-export a PluginDefinition,
 * a class constructed with the options, or a factory function returning a plugin.
 */
async function loadModulePlugin(file: string, options: unknown): Promise<TricksterPlugin> {
  let exported: unknown;
  try {
    exported = await importDefault(file);
  } catch (err) {
    throw new ConfigError(`cannot load plugin module ${file}: ${(err as Error).message.split('\n')[0]}`, 'PLUGIN_UNKNOWN');
  }
  if (exported && typeof exported === 'object' && 'create' in exported && 'schema' in exported) {
    const def = exported as PluginDefinition;
    return def.create(parsePluginOptions(def.schema, options, def.name, `plugins.${file}`));
  }
  if (typeof exported === 'function') {
    const fn = exported as (new (o: unknown) => TricksterPlugin) & ((o: unknown) => TricksterPlugin);
    const made = /^class\s/.test(Function.prototype.toString.call(fn)) ? new fn(options) : fn(options);
    if (made && typeof made.apply === 'function' && typeof made.name === 'string') return made;
  }
  throw new ConfigError(
    `plugin module ${file} must default-export a plugin class, a factory function or a definePlugin(...) object; found ${typeof exported}`,
    'PLUGIN_UNKNOWN',
  );
}

/**
 * Turns the config into plugin instances: the schedule section becomes the lr-schedule plugin,
 * each `plugins` entry a built-in (options validated by its schema) or a module path resolved
 * against `baseDir`; `false` switches an entry off.
 */
export async function loadPlugins(config: TricksterConfig, baseDir: string): Promise<TricksterPlugin[]> {
  const out: TricksterPlugin[] = [];
  const schedule = findBuiltinPlugin('lr-schedule')!;
  // Built-in plugins' constructors validate their options (ConfigError naming the key path).
  out.push(schedule.create(config.schedule));
  for (const [key, raw] of Object.entries(config.plugins)) {
    if (raw === false) continue;
    if (isModulePath(key)) {
      out.push(await loadModulePlugin(path.resolve(baseDir, key), raw === true ? {} : raw));
      continue;
    }
    const def = findBuiltinPlugin(key);
    if (!def || key === 'lr-schedule') {
      const known = builtinPlugins.map((p) => p.name).filter((n) => n !== 'lr-schedule');
      const hint = key === 'lr-schedule' ? ' (configure it in the "schedule" section)' : '';
      throw new ConfigError(`plugins.${key}: ${unknownNameMessage('plugin', key, known)}${hint}`, 'PLUGIN_UNKNOWN');
    }
    out.push(def.create(raw));
  }
  return out;
}
