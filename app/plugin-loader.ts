import { existsSync } from 'node:fs';
import path from 'node:path';
import { builtinPlugins, findBuiltinPlugin } from '../plugins/registry.js';
import type { PluginDefinition } from '../core/plugin-definition.js';
import type { TricksterConfig } from '../core/config/schema.js';
import { unknownNameMessage } from '../core/config/suggest.js';
import { ConfigError, LoaderError, PluginError, TricksterError } from '../core/errors.js';
import { parsePluginOptions } from '../core/plugin-options.js';
import { importDefault } from '../core/import-module.js';
import type { TricksterPlugin } from '../core/plugin.js';

/** Whether a `plugins` key names a module file rather than a built-in plugin. */
export function isModulePath(key: string): boolean {
  return key.startsWith('.') || path.isAbsolute(key);
}

/** The first line of what `err` says. */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/**
 * Runs a plugin's constructor or factory. A TricksterError it throws (its options refused) passes
 * as it is; anything else becomes PLUGIN_INVALID naming the `plugins` key.
 */
function construct(key: string, make: () => TricksterPlugin): TricksterPlugin {
  try {
    return make();
  } catch (err) {
    if (err instanceof TricksterError) throw err;
    throw new PluginError(`${key}: ${firstLine(err)} (thrown while making the plugin; check its options)`, 'PLUGIN_INVALID', { cause: err });
  }
}

/** `options` with the values of a definition's `pathOptions` resolved against `baseDir`. */
function resolvePathOptions(def: PluginDefinition, options: unknown, baseDir: string): unknown {
  if (!def.pathOptions?.length || options === null || typeof options !== 'object' || Array.isArray(options)) return options;
  const out: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of def.pathOptions) if (typeof out[key] === 'string' && out[key] !== '') out[key] = path.resolve(baseDir, out[key]);
  return out;
}

/**
 * Loads a user plugin module. It may default-export a PluginDefinition,
 * a class constructed with the options, or a factory function returning a plugin.
 */
async function loadModulePlugin(key: string, file: string, options: unknown, baseDir: string): Promise<TricksterPlugin> {
  if (!existsSync(file)) {
    throw new ConfigError(`plugins.${key}: plugin module ${file} does not exist; module paths are relative to the config file's folder`, 'PLUGIN_UNKNOWN');
  }
  let exported: unknown;
  try {
    exported = await importDefault(file);
  } catch (err) {
    if (err instanceof LoaderError) throw err;
    throw new PluginError(`cannot load plugin module ${file}: it throws on import: ${firstLine(err)}`, 'PLUGIN_LOAD_FAILED', { cause: err });
  }
  if (exported && typeof exported === 'object' && 'create' in exported && 'schema' in exported) {
    const def = exported as PluginDefinition;
    const parsed = parsePluginOptions(def.schema, options, def.name, `plugins.${key}`);
    return construct(`plugins.${key}`, () => def.create(resolvePathOptions(def, parsed, baseDir)));
  }
  if (typeof exported === 'function') {
    const fn = exported as (new (o: unknown) => TricksterPlugin) & ((o: unknown) => TricksterPlugin);
    const made = construct(`plugins.${key}`, () => (/^class\s/.test(Function.prototype.toString.call(fn)) ? new fn(options) : fn(options)));
    if (made && typeof made.apply === 'function' && typeof made.name === 'string') return made;
  }
  throw new PluginError(
    `plugins.${key}: plugin module ${file} must default-export a plugin class, a factory function or a definePlugin(...) object; found ${typeof exported}`,
    'PLUGIN_INVALID',
  );
}

/**
 * Turns the config into plugin instances: the schedule section becomes the lr-schedule plugin,
 * each `plugins` entry a built-in (options validated by its schema) or a module path resolved
 * against `baseDir`; `false` switches an entry off. Options a definition names in `pathOptions`
 * are resolved against `baseDir` too, as `data.dir` is.
 */
export async function loadPlugins(config: TricksterConfig, baseDir: string): Promise<TricksterPlugin[]> {
  const out: TricksterPlugin[] = [];
  const schedule = findBuiltinPlugin('lr-schedule')!;
  // Built-in plugins' constructors validate their options (ConfigError naming the key path).
  out.push(construct('schedule', () => schedule.create(config.schedule)));
  for (const [key, raw] of Object.entries(config.plugins)) {
    if (raw === false) continue;
    if (isModulePath(key)) {
      out.push(await loadModulePlugin(key, path.resolve(baseDir, key), raw === true ? {} : raw, baseDir));
      continue;
    }
    const def = findBuiltinPlugin(key);
    if (!def || key === 'lr-schedule') {
      const known = builtinPlugins.map((p) => p.name).filter((n) => n !== 'lr-schedule');
      const hint = key === 'lr-schedule' ? ' (configure it in the "schedule" section)' : '';
      throw new ConfigError(`plugins.${key}: ${unknownNameMessage('plugin', key, known)}${hint}`, 'PLUGIN_UNKNOWN');
    }
    out.push(construct(`plugins.${key}`, () => def.create(resolvePathOptions(def, raw, baseDir))));
  }
  return out;
}
