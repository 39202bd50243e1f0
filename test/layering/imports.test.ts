import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every .ts file under `dir`, relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** The repository-relative targets of a file's relative imports and re-exports. */
function importTargets(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g)].map((m) => m[1] ?? m[2]!);
  return specifiers.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

describe('layering', () => {
  it('core/ imports nothing from plugins/ or app/', () => {
    const offending = sources('core').flatMap((f) => importTargets(f).filter((t) => /^(plugins|app)\//.test(t)).map((t) => `${f} -> ${t}`));
    expect(offending).toEqual([]);
  });

  it('a plugin imports no other plugin (shared code lives in core/)', () => {
    // plugins/registry.ts is the catalog of the built-ins, not a plugin: only files in a plugin's folder count.
    const inFolders = sources('plugins').filter((f) => f.split(path.sep).length > 2);
    const offending = inFolders.flatMap((f) => {
      const own = f.split(path.sep)[1];
      return importTargets(f)
        .filter((t) => t.startsWith(`plugins${path.sep}`) && t.split(path.sep).length > 2 && t.split(path.sep)[1] !== own)
        .map((t) => `${f} -> ${t}`);
    });
    expect(offending).toEqual([]);
  });
});
