import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { formatIssues } from './config/format-issues.js';

/**
 * Validates a plugin's options as given in a config or in code (`true`, `null` and nothing mean
 * "all defaults") with its schema. A failure is a ConfigError (CONFIG_INVALID) with one line per
 * problem naming the key path under `keyPath`, e.g. `plugins.ema.decay: expected number to be <1; found number 2`.
 */
export function parsePluginOptions<S extends z.ZodType>(schema: S, raw: unknown, plugin: string, keyPath = `plugins.${plugin}`): z.output<S> {
  const input = raw === true || raw === null || raw === undefined ? {} : raw;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`invalid options for plugin "${plugin}":\n  ${formatIssues(parsed.error.issues, input, keyPath).join('\n  ')}`);
  }
  return parsed.data;
}
