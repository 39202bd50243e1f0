import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LoaderError } from './errors.js';

/** Extensions of the TypeScript modules that are loaded through tsx. */
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** Imports a TypeScript file through tsx's API, which is an optional dependency of the package. */
async function importTypeScript(href: string, file: string): Promise<unknown> {
  let tsx: typeof import('tsx/esm/api');
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new LoaderError(
      `${file} is TypeScript, and loading it needs tsx, which is not installed; run \`npm install --save-dev tsx\`, or write the file as JavaScript (.js/.mjs) or, for a config, YAML/JSON`,
    );
  }
  return tsx.tsImport(href, import.meta.url);
}

/**
 * Imports a user's TypeScript or JavaScript module (config file, plugin) and returns its default
 * export, or the module namespace when it has none. JavaScript is imported by Node itself;
 * TypeScript only through tsx, loaded on demand. A .ts file outside an ESM package is compiled as
 * CommonJS, which puts the default export one level down; that level is unwrapped.
 */
export async function importDefault(file: string): Promise<unknown> {
  const href = pathToFileURL(file).href;
  const mod = (TYPESCRIPT.has(extname(file)) ? await importTypeScript(href, file) : await import(href)) as Record<string, unknown>;
  let value: unknown = 'default' in mod ? mod.default : mod;
  if (value && typeof value === 'object' && 'default' in value && Object.keys(value).every((k) => k === 'default' || k === '__esModule')) {
    value = (value as { default: unknown }).default;
  }
  return value;
}
