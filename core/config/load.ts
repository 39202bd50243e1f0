import { existsSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { cosmiconfig, defaultLoaders, getDefaultSearchPlaces, type Loader } from 'cosmiconfig';
import { importDefault } from '../import-module.js';
import { ConfigError, LoaderError } from '../errors.js';
import { mergeLayers } from './merge.js';
import { builtinPresetFile, builtinPresetNames, isPresetPath } from './presets.js';
import { configSchema, type TricksterConfig } from './schema.js';
import { formatIssues } from './format-issues.js';
import { unknownNameMessage } from './suggest.js';

type Layer = Record<string, unknown>;

const loadTs: Loader = (filepath) => importDefault(filepath);

function explorer() {
  return cosmiconfig('trickster', {
    searchPlaces: [...getDefaultSearchPlaces('trickster'), 'trickster.config.json', 'trickster.config.yaml', 'trickster.config.yml'],
    loaders: { ...defaultLoaders, '.ts': loadTs },
  });
}

/** What the config resolution was given: a preset name, a config file, CLI overrides. */
export interface ResolveOptions {
  /** Folder to search for a user config (cosmiconfig); defaults to process.cwd(). */
  cwd?: string;
  /** Explicit config file (`--config`); skips the search. */
  configFile?: string;
  /** Preset to extend (`--preset`); replaces the config file's own `extends`. */
  preset?: string;
  /** A config object given in code; used instead of searching for a file. */
  inline?: Layer;
  /** Values applied last (CLI flags), as a partial config. */
  overrides?: Layer;
}

/** A resolved, validated config and where its layers came from. */
export interface ResolvedConfig {
  config: TricksterConfig;
  /** Files merged, base first (built-in presets and user files). */
  sources: string[];
  /** Folder that relative paths in the user's config are resolved against. */
  baseDir: string;
  /** The preset the chain starts from, if any. */
  preset?: string;
  /**
   * What the user ran, as the run summary names it: the config file (as given to --config, or as
   * found, relative to the folder searched), else the preset the chain starts from.
   */
  configName?: string;
  /** The user's own layer (config file, inline config or run config.json, then CLI overrides), before merging what it extends. */
  userLayer?: Layer;
}

/**
 * What a config parser's error says, on one line: cosmiconfig's "YAML/JSON Error in FILE:" prefix,
 * the code excerpts and JSON's echo of the whole input are dropped; the reason and position stay.
 * Terminal colours (parsers colour their code excerpts where they detect a CI or a colour terminal)
 * are stripped first.
 */
function parserReason(message: string): string {
  const lines = stripVTControlCharacters(message).replace(/^(YAML|JSON) Error in [^\n]*:/, '').split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l !== '' && !/^(>?\s*\d*\s*\||-*\^)/.test(l));
  if (at < 0) return 'syntax error';
  // "Transform failed with 1 error:" is followed by the error itself.
  const reason = lines[at]!.endsWith(':') && lines[at + 1] ? `${lines[at]} ${lines[at + 1]}` : lines[at]!;
  return reason.replace(/ while parsing .*$/, '');
}

async function readFileLayer(file: string): Promise<Layer> {
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}; check the path given to --config or extends`, 'CONFIG_NOT_FOUND');
  let result;
  try {
    result = await explorer().load(file);
  } catch (err) {
    if (err instanceof LoaderError) throw err;
    throw new ConfigError(`cannot read config file ${file}: ${parserReason((err as Error).message)}; fix the syntax there`);
  }
  const value = result?.config ?? {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config file ${file} must contain an object (found ${Array.isArray(value) ? 'an array' : typeof value})`);
  }
  return value as Layer;
}

function presetRefToFile(ref: string, fromDir: string): string {
  if (isPresetPath(ref)) return path.resolve(fromDir, ref);
  const known = builtinPresetNames();
  if (!known.includes(ref)) throw new ConfigError(unknownNameMessage('preset', ref, known), 'PRESET_UNKNOWN');
  return builtinPresetFile(ref);
}

/** Follows `extends` chains from `layer` and returns the merged layers, base first. */
async function flatten(layer: Layer, dir: string, sources: string[], seen: string[]): Promise<Layer> {
  const { extends: parentRef, ...own } = layer;
  if (parentRef === undefined) return own;
  if (typeof parentRef !== 'string') {
    throw new ConfigError(`extends: expected a preset name or file path, found ${JSON.stringify(parentRef)}`);
  }
  const file = presetRefToFile(parentRef, dir);
  if (seen.includes(file)) throw new ConfigError(`extends: cycle ${[...seen, file].join(' -> ')}`);
  const parentLayer = await readFileLayer(file);
  const parent = await flatten(parentLayer, path.dirname(file), sources, [...seen, file]);
  sources.push(file);
  return mergeLayers(parent, own);
}

/** Finds the user's config (or takes the given one), follows `extends`, applies overrides and validates once. */
export async function resolveConfig(options: ResolveOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  let userLayer: Layer = {};
  let userFile: string | undefined;
  let fileName: string | undefined;
  if (options.inline) {
    userLayer = options.inline;
  } else if (options.configFile) {
    userFile = path.resolve(cwd, options.configFile);
    fileName = options.configFile;
    userLayer = await readFileLayer(userFile);
  } else {
    const found = await explorer().search(cwd);
    if (found && !found.isEmpty) {
      userFile = found.filepath;
      fileName = path.relative(cwd, found.filepath);
      userLayer = found.config as Layer;
    }
  }
  const baseDir = userFile ? path.dirname(userFile) : cwd;
  if (options.preset) userLayer = { ...userLayer, extends: options.preset };
  if (userLayer.extends === undefined && !userFile && !options.inline) userLayer = { ...userLayer, extends: 'baseline' };
  const sources: string[] = [];
  let merged = await flatten(userLayer, baseDir, sources, userFile ? [userFile] : []);
  if (userFile) sources.push(userFile);
  if (options.overrides) merged = mergeLayers(merged, options.overrides);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const where = sources.length ? ` (from ${sources.join(' <- ')})` : '';
    throw new ConfigError(`invalid config${where}:\n  ${formatIssues(parsed.error.issues, merged, '', configSchema).join('\n  ')}`);
  }
  const preset = typeof userLayer.extends === 'string' ? userLayer.extends : undefined;
  const own = options.overrides ? mergeLayers(userLayer, options.overrides) : userLayer;
  return { config: parsed.data, sources, baseDir, preset, configName: fileName ?? preset, userLayer: own };
}
