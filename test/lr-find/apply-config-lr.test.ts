import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareLrWriter } from '../../app/apply-config-lr.js';

/** Prepares the writer for `file` and writes `lr` at once. */
const applyLrToConfigFile = (file: string, lr: number, extendsRef: string | undefined) => prepareLrWriter(file, extendsRef)(lr);
import { TricksterError } from '../../core/errors.js';
import { tempRunDir } from '../helpers/train-subset.js';

describe('lr-find --apply: optimizer.lr written into a config file', () => {
  it('an existing YAML file keeps its comments, other keys and layout', () => {
    const file = path.join(tempRunDir('trickster-apply-'), 'c.yaml');
    writeFileSync(file, '# my run\nextends: baseline\noptimizer:\n  name: sgd # plain\n  lr: 0.05\ntraining: { epochs: 3 }\n');
    expect(applyLrToConfigFile(file, 0.0123, 'ignored')).toBe('updated');
    expect(readFileSync(file, 'utf8')).toBe('# my run\nextends: baseline\noptimizer:\n  name: sgd # plain\n  lr: 0.0123\ntraining: { epochs: 3 }\n');
  });

  it('a YAML file without an optimizer section gets one', () => {
    const file = path.join(tempRunDir('trickster-apply-'), 'c.yaml');
    writeFileSync(file, 'extends: swa\n');
    applyLrToConfigFile(file, 0.2, undefined);
    expect(readFileSync(file, 'utf8')).toBe('extends: swa\noptimizer:\n  lr: 0.2\n');
  });

  it('a JSON file keeps its other keys', () => {
    const file = path.join(tempRunDir('trickster-apply-'), 'c.json');
    writeFileSync(file, JSON.stringify({ extends: 'baseline', optimizer: { name: 'adamw', lr: 1e-3 }, model: { width: 2 } }));
    applyLrToConfigFile(file, 3e-4, undefined);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ extends: 'baseline', optimizer: { name: 'adamw', lr: 3e-4 }, model: { width: 2 } });
  });

  it('a missing file is created extending what was tested; without a reference it is refused, nothing written', () => {
    const dir = tempRunDir('trickster-apply-');
    expect(applyLrToConfigFile(path.join(dir, 'new.json'), 0.01, '../base.yaml')).toBe('created');
    expect(JSON.parse(readFileSync(path.join(dir, 'new.json'), 'utf8'))).toEqual({ extends: '../base.yaml', optimizer: { lr: 0.01 } });
    const err = (() => {
      try {
        applyLrToConfigFile(path.join(dir, 'other.yaml'), 0.01, undefined);
      } catch (e) {
        return e;
      }
    })() as TricksterError;
    expect(err).toBeInstanceOf(TricksterError);
    expect(err.code).toBe('CONFIG_NOT_FOUND');
    expect(existsSync(path.join(dir, 'other.yaml'))).toBe(false);
  });

  it('a file that is not a config is a coded CONFIG_INVALID error and stays as it was', () => {
    const dir = tempRunDir('trickster-apply-');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'optimizer: [1, 2\n');
    expect(() => applyLrToConfigFile(bad, 0.1, undefined)).toThrow(/^--apply .*bad\.yaml: not valid YAML/);
    const list = path.join(dir, 'list.json');
    writeFileSync(list, '[1]');
    expect(() => applyLrToConfigFile(list, 0.1, undefined)).toThrow(/holds one object/);
    expect(readFileSync(bad, 'utf8')).toBe('optimizer: [1, 2\n');
    expect(readdirSync(dir).sort()).toEqual(['bad.yaml', 'list.json']);
  });
});
