import type { z } from 'zod';
import type { TricksterPlugin } from './plugin.js';

/** How a plugin is found by name in a config: its options schema and a factory. */
export interface PluginDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for `trickster presets` and the README. */
  readonly summary: string;
  readonly schema: S;
  /**
   * Options that are file paths: the plugin loader resolves a relative one against the folder of
   * the config file that names the plugin (as `data.dir` is), not the current folder.
   */
  readonly pathOptions?: readonly string[];
  /**
   * Makes the plugin. A plugin module's options reach it validated by `schema`; the built-in
   * plugins get the options as written and validate them in their constructors.
   */
  create(options: z.output<S>): TricksterPlugin;
}

/** Declares a plugin definition with its options type inferred from the schema. */
export function definePlugin<S extends z.ZodType>(definition: PluginDefinition<S>): PluginDefinition<S> {
  return definition;
}
