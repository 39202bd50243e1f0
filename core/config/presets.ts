import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Folder holding the built-in presets (presets/*.yaml at the package root). */
export const builtinPresetDir = fileURLToPath(new URL('../../presets/', import.meta.url));

/** Names of the built-in presets, sorted. */
export function builtinPresetNames(): string[] {
  return readdirSync(builtinPresetDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Whether an `extends` value is a file path (relative or absolute) rather than a built-in name. */
export function isPresetPath(ref: string): boolean {
  return ref.startsWith('.') || path.isAbsolute(ref) || /\.(ya?ml|json|[cm]?[jt]s)$/.test(ref);
}

/** Absolute file of the built-in preset `name` (existence is checked by the caller). */
export function builtinPresetFile(name: string): string {
  return path.join(builtinPresetDir, `${name}.yaml`);
}
