import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { tempRunDir } from '../helpers/train-subset.js';
import { startTrickster } from '../helpers/trickster-process.js';

const TINY = ['--limit', '256', '--test-limit', '100', '--epochs', '1', '--progress', 'none', '--json', '--no-report', '--data', '/usr/share/datasets/fashion-mnist'];
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as { preset: string | null; runDir: string };
const runRecordPreset = (runDir: string) => (JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { preset: string | null }).preset;

describe("the run summary's preset names what the user ran", () => {
  it('a --config file that extends baseline: the file as given, in the summary and run.json (not "baseline")', async () => {
    const dir = tempRunDir('trickster-preset-');
    const config = path.join(dir, 'wider.yaml');
    writeFileSync(config, 'extends: baseline\nmodel:\n  width: 0.5\n');
    const r = await cli('train', '--config', config, '--out', path.join(dir, 'run'), ...TINY);
    expect(r.code, r.stderr).toBe(0);
    const summary = lastJson(r.stdout);
    expect(summary.preset).toBe(config);
    expect(runRecordPreset(summary.runDir)).toBe(config);
  });

  it('a config found in the folder (trickster.config.yaml): its path relative to that folder; --preset alone: the preset', async () => {
    const dir = tempRunDir('trickster-preset-');
    writeFileSync(path.join(dir, 'trickster.config.yaml'), 'extends: baseline\ntraining:\n  batchSize: 64\n');
    const found = startTrickster(['train', '--out', path.join(dir, 'found'), ...TINY], dir);
    expect(await found.done, found.output()).toBe(0);
    expect(lastJson(found.output()).preset).toBe('trickster.config.yaml');
    const named = await cli('train', '--preset', 'baseline', '--out', path.join(dir, 'named'), ...TINY);
    expect(named.code, named.stderr).toBe(0);
    expect(lastJson(named.stdout).preset).toBe('baseline');
  });
});
