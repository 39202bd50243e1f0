import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';

/**
 * Writes `lr` as `optimizer.lr` into the config file `file`, atomically (tmp + rename).
 * An existing file keeps everything else (YAML comments and layout too; JSON is rewritten with
 * two-space indents). A missing file is created as `{ extends: <extendsRef>, optimizer: { lr } }`,
 * so it trains the tested config at the new rate; without `extendsRef` a missing file is refused.
 */
export function applyLrToConfigFile(file: string, lr: number, extendsRef: string | undefined): 'updated' | 'created' {
  const isJson = path.extname(file).toLowerCase() === '.json';
  const existed = existsSync(file);
  let text: string;
  if (existed) {
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
      const optimizer = config['optimizer'];
      config['optimizer'] = { ...(typeof optimizer === 'object' && optimizer !== null ? optimizer : {}), lr };
      text = `${JSON.stringify(config, null, 2)}\n`;
    } else {
      const doc = parseDocument(source);
      if (doc.errors.length > 0) throw new ConfigError(`--apply ${file}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix the file or pass another one`);
      const js: unknown = doc.toJS();
      if (js !== null && (typeof js !== 'object' || Array.isArray(js))) throw new ConfigError(`--apply ${file}: a config file holds one mapping; fix the file or pass another one`);
      doc.setIn(['optimizer', 'lr'], lr);
      text = doc.toString();
    }
  } else {
    if (!extendsRef) throw new ConfigError(`--apply ${file}: no such file, and no --preset or --config to extend; pass one, or an existing config file`, 'CONFIG_NOT_FOUND');
    const config = { extends: extendsRef, optimizer: { lr } };
    text = isJson ? `${JSON.stringify(config, null, 2)}\n` : `# written by trickster lr-find\nextends: ${JSON.stringify(extendsRef)}\noptimizer:\n  lr: ${lr}\n`;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return existed ? 'updated' : 'created';
}
