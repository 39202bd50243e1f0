import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';

/** Writes a rate into the config file it was prepared for; says whether the file was updated or created. */
export type LrWriter = (lr: number) => 'updated' | 'created';

/**
 * Checks the config file `file` now (so a bad target is refused before a long range test) and
 * returns the function that writes `lr` as `optimizer.lr` into it, atomically (tmp + rename).
 * An existing file keeps everything else (YAML comments and layout too; JSON is rewritten with
 * two-space indents). A missing file is created as `{ extends: <extendsRef>, optimizer: { lr } }`,
 * so it trains the tested config at the new rate; without `extendsRef` a missing file is refused.
 */
export function prepareLrWriter(file: string, extendsRef: string | undefined): LrWriter {
  const isJson = path.extname(file).toLowerCase() === '.json';
  const existed = existsSync(file);
  if (!existed && !extendsRef) throw new ConfigError(`--apply ${file}: no such file, and no --preset or --config to extend; pass one, or an existing config file`, 'CONFIG_NOT_FOUND');
  const render = existed ? existingRenderer(file, isJson) : newRenderer(isJson, extendsRef!);
  return (lr) => {
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, render(lr));
    renameSync(tmp, file);
    return existed ? 'updated' : 'created';
  };
}

/** The text of a new config extending `extendsRef` at rate `lr`. */
function newRenderer(isJson: boolean, extendsRef: string): (lr: number) => string {
  return (lr) =>
    isJson ? `${JSON.stringify({ extends: extendsRef, optimizer: { lr } }, null, 2)}\n` : `# written by trickster lr-find\nextends: ${JSON.stringify(extendsRef)}\noptimizer:\n  lr: ${lr}\n`;
}

/** Parses the existing config `file` (refusing one that is not a config) and returns its text at rate `lr`. */
function existingRenderer(file: string, isJson: boolean): (lr: number) => string {
  const source = readFileSync(file, 'utf8');
  if (isJson) {
    let json: unknown;
    try {
      json = JSON.parse(source);
    } catch (err) {
      throw new ConfigError(`--apply ${file}: not valid JSON (${(err as Error).message}); fix the file or pass another one`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`--apply ${file}: a config file holds one object; fix the file or pass another one`);
    const config = json as Record<string, unknown>;
    return (lr) => {
      const optimizer = config['optimizer'];
      return `${JSON.stringify({ ...config, optimizer: { ...(typeof optimizer === 'object' && optimizer !== null ? optimizer : {}), lr } }, null, 2)}\n`;
    };
  }
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new ConfigError(`--apply ${file}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix the file or pass another one`);
  const js: unknown = doc.toJS();
  if (js !== null && (typeof js !== 'object' || Array.isArray(js))) throw new ConfigError(`--apply ${file}: a config file holds one mapping; fix the file or pass another one`);
  return (lr) => {
    doc.setIn(['optimizer', 'lr'], lr);
    return doc.toString();
  };
}
