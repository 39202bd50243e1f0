import { lrSchedule } from './lr-schedule/index.js';
import type { PluginDefinition } from './types.js';

/** Every built-in plugin, by the name a config uses. */
export const builtinPlugins: readonly PluginDefinition[] = [lrSchedule];

/** The built-in plugin called `name`, if there is one. */
export function findBuiltinPlugin(name: string): PluginDefinition | undefined {
  return builtinPlugins.find((p) => p.name === name);
}
