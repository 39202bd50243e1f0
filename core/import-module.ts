import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/**
 * Imports a user's TypeScript or JavaScript module (config file, plugin) and returns its default
 * export, or the module namespace when it has none. A .ts file outside an ESM package is compiled
 * as CommonJS, which puts the default export one level down; that level is unwrapped.
 */
export async function importDefault(file: string): Promise<unknown> {
  const mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  let value: unknown = 'default' in mod ? mod.default : mod;
  if (value && typeof value === 'object' && 'default' in value && Object.keys(value).every((k) => k === 'default' || k === '__esModule')) {
    value = (value as { default: unknown }).default;
  }
  return value;
}
